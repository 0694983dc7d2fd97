"""Tokens: refreshed ahead of expiry, one refresh for many expired requests in flight, transient
token-endpoint faults retried, and rejected or revoked credentials failing fast in one line."""

from __future__ import annotations

import threading

import pytest

from hubspot_simulator import SIM_PRIVATE_TOKEN
from hubspot_simulator.auth import AUTH_MESSAGE
from hubspot_simulator.util import error_body
from tap_hubspot_qobra.auth import OAuthRefresher
from tap_hubspot_qobra.errors import AuthError
from tap_hubspot_qobra.tap import TapHubspotQobra
from tests.tap.singer_run import run_tap

from .conftest import tap_config, assert_exact, catalog_for, expired_body, fast, inject, oauth_config

STREAMS = ("deals", "contacts", "meetings")


def test_many_expired_requests_in_flight_cause_one_refresh(make_simulator):
    sim = make_simulator(scale=0.5)
    config = oauth_config(sim, max_concurrency=6)
    catalog = catalog_for(config, STREAMS)
    state = {"until": None}

    def expire_everything_once(info):
        if info.kind == "search" and info.count == 4 and state["until"] is None:
            state["until"] = sim.stats["refreshes"] + 1
        until = state["until"]
        if until is not None and info.kind != "oauth" and sim.stats["refreshes"] < until:
            from hubspot_simulator.util import ApiError

            raise ApiError(401, expired_body())

    sim.on_request(expire_everything_once)
    sim.reset_stats()
    holder = {}
    result = run_tap(config, catalog=catalog, prepare=lambda tap: (fast()(tap), holder.update(tap=tap)))
    assert state["until"] is not None
    assert sim.stats["refreshes"] == 2, "the first token, then exactly one refresh"
    assert holder["tap"].client.stats["expired_tokens"] >= 1
    assert_exact(result, sim, STREAMS)


def test_one_refresh_for_parallel_expiry_reports():
    class Client:
        def __init__(self) -> None:
            self.calls = 0

        def post_form(self, path, form):
            self.calls += 1
            return {"access_token": f"token-{self.calls}", "expires_in": 1800}

        def count(self, name, n=1):
            pass

    client = Client()
    source = OAuthRefresher(client, client_id="id", client_secret="secret-x", refresh_token="rt-x")
    first = source.token()
    barrier = threading.Barrier(8)
    seen = []

    def worker():
        barrier.wait()
        source.expired(first)
        seen.append(source.token())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert client.calls == 2
    assert set(seen) == {"token-2"}


def test_short_lived_tokens_are_refreshed_ahead(make_simulator):
    sim = make_simulator(scale=0.3, token_ttl_s=1)
    config = oauth_config(sim, max_concurrency=4)
    catalog = catalog_for(config, STREAMS)
    sim.config.latency_ms = 60  # a run of a few seconds, so 1 s tokens must be renewed
    sim.reset_stats()
    result = run_tap(config, catalog=catalog, prepare=fast())
    assert sim.stats["refreshes"] >= 2, "the first token and at least one renewal"
    assert sim.stats.get("http_401", 0) <= sim.stats["refreshes"], "refreshed ahead, not after failures"
    assert_exact(result, sim, STREAMS)


def test_a_token_refresh_hitting_transient_faults_is_retried(make_simulator):
    sim = make_simulator(scale=0.1)
    config = oauth_config(sim)
    catalog = catalog_for(config, ("deals",))
    sim.fail_next(2, "503", path_contains="/oauth/v1/token")
    sim.fail_next(1, "reset", path_contains="/oauth/v1/token")
    result = run_tap(config, catalog=catalog, prepare=fast())
    assert sim.stats["faults"] == 3
    assert_exact(result, sim, ("deals",))


def test_a_rejected_refresh_token_fails_fast(make_simulator):
    sim = make_simulator(scale=0.1)
    config = oauth_config(sim, refresh_token="sim-rt-not-a-real-one")
    with pytest.raises(AuthError) as caught:
        TapHubspotQobra(config=config, parse_env_config=False).streams  # noqa: B018
    message = str(caught.value)
    assert "BAD_REFRESH_TOKEN" in message and "reconnect" in message and "\n" not in message
    assert "sim-rt-not-a-real-one" not in message and "sim-client-secret" not in message
    assert sim.stats["oauth"] == 1 and sim.stats["search"] == sim.stats["general"] == 0


def test_an_invalid_private_token_fails_fast(make_simulator):
    sim = make_simulator(scale=0.1)
    config = tap_config(sim, token="pat-na1-wrong-token")
    with pytest.raises(AuthError) as caught:
        TapHubspotQobra(config=config, parse_env_config=False).streams  # noqa: B018
    message = str(caught.value)
    assert "access_token" in message and "pat-na1-wrong-token" not in message and "\n" not in message
    assert sim.stats["general"] + sim.stats["oauth"] <= 2


def test_a_revoked_app_fails_in_one_line(make_simulator):
    sim = make_simulator(scale=0.3)
    refresh_token = sim.make_refresh_token(sorted(sim.config.scopes()))
    config = oauth_config(sim, refresh_token=refresh_token)
    catalog = catalog_for(config, STREAMS)
    sim.on_request(lambda info: sim.revoke(refresh_token) if info.kind == "search" and info.count == 6 else None)
    with pytest.raises(AuthError) as caught:
        run_tap(config, catalog=catalog, prepare=fast())
    message = str(caught.value)
    assert "reconnect" in message and refresh_token not in message and "\n" not in message
    partial = caught.value.partial_result
    finished = [stream for stream in STREAMS if partial.bookmark(stream) is not None]
    assert len(finished) < len(STREAMS), "the table being read when the app was revoked keeps no new bookmark"
    if finished:
        assert_exact(partial, sim, finished)


def test_one_spurious_401_on_a_working_private_token_is_retried(healthy):
    sim, config = healthy
    catalog = catalog_for(config, ("deals",))
    fired = inject(sim, status=401, body=error_body(AUTH_MESSAGE, "INVALID_AUTHENTICATION"), times=1,
                   when=lambda info: info.kind == "search" and info.count > 1)
    result = run_tap(config, catalog=catalog, prepare=fast())
    assert fired["n"] == 1
    assert_exact(result, sim, ("deals",))


def test_a_private_token_revoked_mid_run_fails_after_one_recheck(make_simulator):
    sim = make_simulator(scale=0.2)
    token = sim.make_private_token(sorted(sim.config.scopes()))
    config = tap_config(sim, token=token)
    catalog = catalog_for(config, ("deals",))
    sim.on_request(lambda info: sim.revoke(token) if info.kind == "search" and info.count == 3 else None)
    sim.reset_stats()
    with pytest.raises(AuthError, match="access_token") as caught:
        run_tap(config, catalog=catalog, prepare=fast())
    assert token not in str(caught.value) and SIM_PRIVATE_TOKEN not in str(caught.value)
    assert sim.stats["http_401"] <= 2 * 4  # at most one re-check per request in flight
