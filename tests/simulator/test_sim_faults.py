"""Scripted and random faults, request hooks, write attempts, latency knob."""

from __future__ import annotations

import pytest
import requests


def test_fail_next_then_recover(sim, http):
    sim.fail_next(2, "503", path_contains="/companies")
    url = f"{sim.url}/crm/v3/objects/companies"
    assert http.get(f"{sim.url}/crm/v3/objects/deals").status_code == 200
    assert [http.get(url).status_code for _ in range(3)] == [503, 503, 200]
    assert sim.stats["faults"] == 2


@pytest.mark.parametrize("kind", ["reset", "truncated"])
def test_broken_connections(sim, http, kind):
    sim.fail_next(1, kind)
    with pytest.raises(requests.exceptions.RequestException):
        http.get(f"{sim.url}/crm/v3/objects/deals", params={"limit": 100})
    assert http.get(f"{sim.url}/crm/v3/objects/deals").status_code == 200


def test_html_fault(sim, http):
    sim.fail_next(1, "html")
    r = http.get(f"{sim.url}/crm/v3/objects/deals")
    assert r.status_code == 502 and r.headers["Content-Type"].startswith("text/html")


def test_fault_rate_spares_oauth_unless_asked(make_sim, http):
    sim = make_sim(fault_rate=1.0, fault_kinds=("500",))
    assert http.get(f"{sim.url}/crm/v3/objects/deals").status_code == 500
    form = {"grant_type": "refresh_token", "client_id": "sim-client-id",
            "client_secret": "sim-client-secret", "refresh_token": "sim-refresh-token"}
    assert http.post(f"{sim.url}/oauth/v1/token", data=form).status_code == 200
    sim.config.fault_oauth = True
    assert http.post(f"{sim.url}/oauth/v1/token", data=form).status_code == 500


def test_hook_sees_requests_and_can_mutate_before_handling(sim, http):
    seen = []
    target = sim.portal.live_records("deals")[0]["id"]

    def hook(info):
        seen.append((info.method, info.kind, info.count, info.path))
        if info.kind == "search" and info.count == 2:
            sim.portal.update("deals", target, {"dealname": "changed by hook"})

    sim.on_request(hook)
    body = {"filterGroups": [{"filters": [{"propertyName": "dealname", "operator": "EQ",
                                           "value": "changed by hook"}]}]}
    url = f"{sim.url}/crm/v3/objects/deals/search"
    assert http.post(url, json=body).json()["total"] == 0
    assert [x["id"] for x in http.post(url, json=body).json()["results"]] == [target]
    assert seen == [("POST", "search", 1, "/crm/v3/objects/deals/search"),
                    ("POST", "search", 2, "/crm/v3/objects/deals/search")]
    sim.clear_hooks()
    http.get(f"{sim.url}/crm/v3/objects/deals")
    assert len(seen) == 2


@pytest.mark.parametrize("method,path,status", [
    ("POST", "/crm/v3/objects/deals", 405),
    ("PATCH", "/crm/v3/objects/deals/1004", 405),
    ("DELETE", "/crm/v3/objects/deals/1004", 405),
    ("POST", "/crm/v3/objects/deals/batch/update", 405),
    ("PUT", "/crm/v4/objects/deals/1004/associations/contacts/1002", 405),
    ("POST", "/somewhere/else", 404),
])
def test_writes_are_refused_and_counted(sim, http, method, path, status):
    r = http.request(method, sim.url + path, json={"properties": {}})
    assert r.status_code == status and r.json()["status"] == "error"
    assert sim.stats["writes_attempted"] == 1


def test_reads_are_not_writes(sim, http):
    http.post(f"{sim.url}/crm/v3/objects/deals/search", json={})
    http.post(f"{sim.url}/crm/v3/objects/deals/batch/read", json={"inputs": []})
    http.get(f"{sim.url}/crm/v3/nothing/here")
    assert sim.stats["writes_attempted"] == 0


def test_keep_alive_reuses_one_connection(sim, http):
    for _ in range(5):
        r = http.get(f"{sim.url}/crm/v3/objects/deals")
        assert r.headers["Content-Length"] == str(len(r.content))
    pool = next(iter(http.adapters["http://"].poolmanager.pools._container.values()))
    assert pool.num_connections == 1
