"""Fault-injection helpers: a tap that never really sleeps, catalogs discovered before faults start,
429 bursts and scripted HubSpot answers injected through simulator hooks, and the expected data."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from hubspot_simulator import SIM_CLIENT_ID, SIM_CLIENT_SECRET, SIM_REFRESH_TOKEN
from hubspot_simulator.util import ApiError, error_body, rate_limit_body
from tap_hubspot_qobra.client import RetryPolicy
from tap_hubspot_qobra.ratelimit import RateLimits
from tap_hubspot_qobra.tap import TapHubspotQobra
from tests.tap.conftest import tap_config as _plain_config
from tests.tap.singer_run import select_only

OBJECT_TYPES = {
    "deals": "deals", "companies": "companies", "line_items": "line_items", "meetings": "meetings",
    "calls": "calls", "emails": "emails", "tasks": "tasks", "contacts": "contacts", "goals": "goal_targets",
}


class FakeClock:
    """Monotonic time that only moves when someone sleeps: pacing and backoff cost nothing."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += max(0.0, seconds)
            self.slept += max(0.0, seconds)


def fast(max_tries: int = 10, max_seconds: float = 600.0) -> Callable[[TapHubspotQobra], None]:
    """A `prepare` for run_tap: zero backoff, limiters and retry budget on a fake clock."""

    def prepare(tap: TapHubspotQobra) -> None:
        clock = FakeClock()
        client = tap.client
        client.retry = RetryPolicy(max_tries=max_tries, max_seconds=max_seconds, base_delay=0)
        client.sleep, client.clock = clock.sleep, clock
        config = tap.config
        client.limits = RateLimits.from_config(
            int(config.get("search_rate_limit_per_second", 5)), int(config.get("rate_limit_per_10s", 100)),
            clock=clock, sleep=clock.sleep,
        )
        tap.fake_clock = clock  # type: ignore[attr-defined]

    return prepare


# Most faults here aim at search and at requests in flight in parallel: a start_date sends every
# table through the time-window path (all search). The id-split path of full reads has its own
# mixed-fault test (test_mixed.py).
WINDOWED = {"start_date": "2000-01-01T00:00:00Z"}


def tap_config(sim: Any, token: str | None = None, **settings: Any) -> dict:
    return _plain_config(sim, token, **{**WINDOWED, **settings})


def oauth_config(sim: Any, refresh_token: str = SIM_REFRESH_TOKEN, **settings: Any) -> dict:
    config = tap_config(sim, **settings)
    config.pop("access_token")
    return {**config, "client_id": SIM_CLIENT_ID, "client_secret": SIM_CLIENT_SECRET,
            "refresh_token": refresh_token}


def catalog_for(config: dict, streams: Iterable[str] | None = None) -> dict:
    """Discover while the simulator is still healthy, so faults hit the sync itself."""
    catalog = TapHubspotQobra(config=config, parse_env_config=False).catalog_dict
    return select_only(catalog, set(streams)) if streams is not None else catalog


def expected_ids(sim: Any, streams: Iterable[str]) -> dict[str, set[str]]:
    custom = {schema["name"].lower(): schema["objectTypeId"] for schema in sim.portal.schemas()}
    types = {**OBJECT_TYPES, **custom}
    found = {s: {r["id"] for r in sim.portal.live_records(types[s])} for s in streams if s in types}
    if "owners" in streams:
        found["owners"] = {o["id"] for o in sim.portal.owners()}
    return found


def assert_exact(result: Any, sim: Any, streams: Iterable[str], *, duplicates_ok: bool = False) -> int:
    """Every live record of every stream, nothing else; returns how many records were checked."""
    total = 0
    for stream, ids in expected_ids(sim, streams).items():
        got = result.ids(stream)
        assert set(got) == ids, f"{stream}: lost {sorted(ids - set(got))[:5]}, extra {sorted(set(got) - ids)[:5]}"
        if not duplicates_ok:
            assert len(got) == len(ids), f"{stream}: duplicates"
        total += len(ids)
    assert total > 0
    return total


def inject(sim: Any, *, status: int, body: dict, times: int, when: Callable[[Any], bool],
           headers: dict | None = None) -> dict:
    """Answer the next `times` requests matching `when` with a scripted error; returns a counter."""
    fired = {"n": 0}
    lock = threading.Lock()

    def hook(info: Any) -> None:
        if not when(info):
            return
        with lock:
            if fired["n"] >= times:
                return
            fired["n"] += 1
        raise ApiError(status, dict(body), headers=dict(headers or {}))

    sim.on_request(hook)
    return fired


def rate_limited(sim: Any, policy: str, times: int, kind: str, after: int = 0, headers: dict | None = None) -> dict:
    return inject(sim, status=429, body=rate_limit_body(policy), times=times, headers=headers,
                  when=lambda info: info.kind == kind and info.count > after)


def expired_body() -> dict:
    return error_body("The OAuth token used to make this call expired 3 second(s) ago.",
                      "EXPIRED_AUTHENTICATION", context={"expire time": ["2024-01-01T00:00:00.000Z"]})


def output_text(result: Any) -> str:
    return json.dumps({"records": result.records, "states": result.states, "schemas": result.schemas})


@pytest.fixture
def healthy(make_simulator):
    """A small portal with rate limits off, and its tap config."""
    sim = make_simulator(scale=0.2)
    return sim, tap_config(sim)
