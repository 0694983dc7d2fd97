"""429s: secondly and ten-secondly limits slow the shared limiter down and are retried; the daily
limit stops the run cleanly, says when it resets, and keeps the bookmarks of finished tables."""

from __future__ import annotations

import pytest

from hubspot_simulator.util import rate_limit_body
from tap_hubspot_qobra.errors import DailyLimitError
from tests.tap.singer_run import run_tap

from .conftest import tap_config, assert_exact, catalog_for, fast, inject, rate_limited

STREAMS = ("deals", "contacts", "owners")


def keep(holder: dict, **knobs):
    def prepare(tap):
        fast(**knobs)(tap)
        holder["tap"] = tap

    return prepare


def test_a_secondly_burst_slows_search_down_and_loses_nothing(healthy):
    sim, config = healthy
    catalog = catalog_for(config, STREAMS)
    fired = rate_limited(sim, "SECONDLY", times=12, kind="search", after=5)
    holder: dict = {}
    result = run_tap(config, catalog=catalog, prepare=keep(holder))
    assert fired["n"] == 12
    client = holder["tap"].client
    assert client.stats["429_SECONDLY"] == 12
    assert client.limits.search.slow_downs >= 1
    assert holder["tap"].fake_clock.slept > 0  # the limiter paused the searches
    assert_exact(result, sim, STREAMS)


def test_ten_secondly_429_adopts_the_announced_budget(make_simulator):
    sim = make_simulator(scale=0.2)
    config = tap_config(sim, rate_limit_per_10s=190)
    catalog = catalog_for(config, STREAMS)
    headers = {"X-HubSpot-RateLimit-Max": "100", "X-HubSpot-RateLimit-Remaining": "0",
               "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}
    fired = inject(sim, status=429, body=rate_limit_body("TEN_SECONDLY_ROLLING"), times=3, headers=headers,
                   when=lambda info: info.kind == "general" and "owners" in info.path)
    holder: dict = {}
    result = run_tap(config, catalog=catalog, prepare=keep(holder))
    assert fired["n"] == 3
    general = holder["tap"].client.limits.general
    assert general.slow_downs >= 1 and general.max_requests < 190
    assert_exact(result, sim, STREAMS)


def test_real_ten_secondly_headers_shrink_the_budget(make_simulator):
    sim = make_simulator(scale=0.1, per_10s=100)
    config = tap_config(sim, rate_limit_per_10s=190)
    catalog = catalog_for(config, ("owners",))
    holder: dict = {}
    result = run_tap(config, catalog=catalog, prepare=keep(holder))
    assert holder["tap"].client.limits.general.max_requests == 100
    assert_exact(result, sim, ("owners",))


def test_the_daily_limit_stops_cleanly_and_keeps_finished_bookmarks(healthy):
    sim, config = healthy
    catalog = catalog_for(config, ("deals", "contacts"))
    searched: list[str] = []

    def spend_the_day(info):
        if info.kind != "search":
            return
        table = info.path.split("/")[4]
        if table not in searched:
            searched.append(table)
        if len(searched) == 2 and sim.config.daily_limit is None:
            sim.config.daily_limit = 1  # the second table starts: the day's budget is gone

    sim.on_request(spend_the_day)
    with pytest.raises(DailyLimitError) as caught:
        run_tap(config, catalog=catalog, prepare=fast())
    message = str(caught.value)
    assert "\n" not in message and "resets" in message and "midnight" in message
    assert sim.stats["429_DAILY"] == 1, "the daily limit must not be retried"
    finished, stopped = searched
    partial = caught.value.partial_result
    assert partial.bookmark(finished) is not None, "a table finished before the limit keeps its bookmark"
    assert partial.bookmark(stopped) is None
    assert_exact(partial, sim, (finished,))


def test_the_daily_limit_message_says_when_hubspot_says(healthy):
    sim, config = healthy
    catalog = catalog_for(config, ("deals",))
    inject(sim, status=429, body=rate_limit_body("DAILY"), times=1, headers={"Retry-After": "7260"},
           when=lambda info: info.kind == "search")
    with pytest.raises(DailyLimitError, match=r"in about 2 h 1 min \(.* UTC\)"):
        run_tap(config, catalog=catalog, prepare=fast())
