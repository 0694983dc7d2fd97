"""Rate limits: search per second, general per 10 s, daily; bodies, headers, stats."""

from __future__ import annotations

import pytest


@pytest.fixture
def clock():
    """A fake clock for the limiter (ms), so that windows never depend on test speed."""
    now = [1_000_000]
    return now


def limited(make_sim, clock, **cfg):
    sim = make_sim(**cfg)
    sim.limiter.clock = lambda: clock[0]
    return sim


def test_search_secondly_limit(make_sim, clock, http):
    sim = limited(make_sim, clock, search_per_second=1)
    url = f"{sim.url}/crm/v3/objects/deals/search"
    first = http.post(url, json={"limit": 1})
    assert first.status_code == 200
    assert not [h for h in first.headers if h.lower().startswith("x-hubspot-ratelimit")]
    second = http.post(url, json={"limit": 1})
    body = second.json()
    assert second.status_code == 429 and body["policyName"] == "SECONDLY"
    assert body["message"] == "You have reached your secondly limit."
    assert body["errorType"] == "RATE_LIMIT" and body["category"] == "RATE_LIMITS" and body["status"] == "error"
    clock[0] += 1000  # the rejected request did not count against the window
    assert http.post(url, json={"limit": 1}).status_code == 200
    assert sim.stats["429_SECONDLY"] == 1 and sim.stats["search"] == 3
    assert http.get(f"{sim.url}/crm/v3/objects/deals").status_code == 200  # other budget


def test_ten_secondly_limit_and_headers(make_sim, clock, http):
    sim = limited(make_sim, clock, per_10s=3)
    url = f"{sim.url}/crm/v3/objects/companies"
    remaining = [http.get(url).headers["X-HubSpot-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    r = http.get(url)
    assert r.status_code == 429 and r.json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert r.json()["message"] == "You have reached your ten_secondly_rolling limit."
    assert r.headers["X-HubSpot-RateLimit-Max"] == "3"
    assert r.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert http.post(f"{sim.url}/crm/v4/associations/deals/contacts/batch/read",
                     json={"inputs": [{"id": "1"}]}).status_code == 200  # exempt
    assert http.post(f"{sim.url}/crm/v3/objects/deals/search", json={}).status_code == 200  # exempt
    clock[0] += 10_000
    assert http.get(url).status_code == 200
    assert sim.stats["429_TEN_SECONDLY_ROLLING"] == 1


def test_daily_limit_and_daily_headers(make_sim, clock, http):
    sim = limited(make_sim, clock, daily_limit=2)
    url = f"{sim.url}/crm/v3/objects/contacts"
    r = http.get(url)
    assert r.headers["X-HubSpot-RateLimit-Daily"] == "2" and r.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "1"
    assert http.get(url).status_code == 200
    r = http.get(url)
    assert r.status_code == 429 and r.json()["policyName"] == "DAILY"
    assert r.json()["message"] == "You have reached your daily limit." and sim.stats["429_DAILY"] == 1


def test_limits_are_per_principal(make_sim, clock, session_for):
    sim = limited(make_sim, clock, per_10s=1)
    other = sim.make_private_token(["crm.objects.deals.read"])
    url = f"{sim.url}/crm/v3/objects/deals"
    assert session_for().get(url).status_code == 200
    assert session_for().get(url).status_code == 429
    assert session_for(other).get(url).status_code == 200
