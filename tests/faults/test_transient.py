"""Transient faults (5xx, resets, timeouts, truncated and HTML bodies) are retried until the exact
record set is read; when they do not stop, the run fails in one line and keeps the old bookmark."""

from __future__ import annotations

import pytest

from tap_hubspot_qobra.errors import RetriesExhaustedError
from tests.tap.singer_run import run_tap

from .conftest import tap_config, assert_exact, catalog_for, fast

STREAMS = ("deals", "contacts", "line_items", "owners")


@pytest.mark.parametrize("kind", ["500", "502", "503", "504", "524", "reset", "truncated", "html"])
def test_each_transient_fault_alone_loses_nothing(healthy, kind):
    sim, config = healthy
    catalog = catalog_for(config, STREAMS)
    sim.config.fault_kinds = (kind,)
    sim.config.fault_rate = 0.3
    sim.reset_stats()
    result = run_tap(config, catalog=catalog, prepare=fast(max_tries=12))
    assert sim.stats["faults"] >= 5, "the simulator must have injected faults"
    assert_exact(result, sim, STREAMS)
    assert all(result.bookmark(s) for s in ("deals", "contacts", "line_items"))


def test_a_timeout_is_retried(make_simulator):
    sim = make_simulator(scale=0.1, timeout_fault_s=1.5)
    config = tap_config(sim, request_timeout_seconds=1)
    catalog = catalog_for(config, ("deals",))
    sim.fail_next(2, "timeout", path_contains="/deals/search")
    tap_holder = {}

    def prepare(tap):
        fast()(tap)
        tap_holder["tap"] = tap

    result = run_tap(config, catalog=catalog, prepare=prepare)
    assert_exact(result, sim, ("deals",))
    assert tap_holder["tap"].client.stats["network_errors"] == 2


def test_exhausted_retries_fail_in_one_line_and_keep_the_bookmark(healthy):
    sim, config = healthy
    catalog = catalog_for(config, ("deals", "contacts"))
    first = run_tap(config, catalog=catalog, prepare=fast())
    sim.fail_next(1000, "503", path_contains="/contacts/search")
    with pytest.raises(RetriesExhaustedError) as caught:
        run_tap(config, state=first.final_state, catalog=catalog, prepare=fast(max_tries=4))
    message = str(caught.value)
    assert "\n" not in message and "503" in message and "4 tries" in message
    partial = caught.value.partial_result
    assert partial.bookmark("contacts") == first.bookmark("contacts")
    assert partial.bookmark("deals") is not None and partial.bookmark("deals") >= first.bookmark("deals")


def test_retries_are_bounded_in_time(healthy):
    sim, config = healthy
    catalog = catalog_for(config, ("deals",))
    sim.fail_next(1000, "500", path_contains="/deals/search")

    def slow_backoff(tap):
        fast(max_tries=100, max_seconds=60)(tap)
        tap.client.retry.base_delay = 5.0  # fake seconds: the time budget, not the count, ends it

    with pytest.raises(RetriesExhaustedError, match="in [0-9]+ s"):
        run_tap(config, catalog=catalog, prepare=slow_backoff)
    assert sim.stats["faults"] < 100


def test_non_json_success_bodies_are_retried(healthy):
    sim, config = healthy
    catalog = catalog_for(config, ("companies",))
    sim.fail_next(3, "truncated", path_contains="/companies/search")
    result = run_tap(config, catalog=catalog, prepare=fast())
    assert sim.stats["faults"] == 3
    assert_exact(result, sim, ("companies",))
