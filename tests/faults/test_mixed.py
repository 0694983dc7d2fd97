"""Everything at once: 5xx, resets, truncated bodies, 429 bursts, tokens expiring every second and
records changing during the run; the exact record set still arrives and the bookmarks advance."""

from __future__ import annotations

import pytest

from hubspot_simulator.util import ApiError, rate_limit_body
from tests.tap.singer_run import run_tap

from .conftest import assert_exact, catalog_for, fast, oauth_config

STREAMS = ("deals", "contacts", "companies", "line_items", "meetings", "owners")


def burst_every(sim, n: int, size: int) -> None:
    """Every n-th search starts a burst of `size` SECONDLY 429s."""
    left = {"n": 0}

    def hook(info):
        if info.kind != "search":
            return
        if info.count % n == 0:
            left["n"] = size
        if left["n"] > 0:
            left["n"] -= 1
            raise ApiError(429, rate_limit_body("SECONDLY"))

    sim.on_request(hook)


@pytest.mark.parametrize("read", ["time windows", "full read split by id"])
def test_mixed_faults_lose_nothing(make_simulator, read):
    sim = make_simulator(scale=2 if read.startswith("full") else 0.5, token_ttl_s=1, fault_oauth=True)
    config = oauth_config(sim, max_concurrency=4)
    if read.startswith("full"):
        config.pop("start_date")  # a full read: list endpoint and search windows by id
    catalog = catalog_for(config, STREAMS)
    sim.config.latency_ms = 10
    sim.config.fault_rate = 0.06
    sim.config.fault_kinds = ("500", "502", "503", "504", "524", "reset", "reset", "truncated", "html")
    sim.config.churn_per_search = 1
    burst_every(sim, 7, 3)
    sim.reset_stats()
    holder = {}
    result = run_tap(config, catalog=catalog,
                     prepare=lambda tap: (fast(max_tries=15)(tap), holder.update(tap=tap)))
    stats, client = sim.stats, holder["tap"].client.stats
    assert stats["faults"] >= 5 and stats["429_SECONDLY"] >= 3 and stats["refreshes"] >= 2
    assert client["retries"] >= stats["faults"]
    assert_exact(result, sim, STREAMS, duplicates_ok=True)
    assert all(result.bookmark(stream) for stream in STREAMS if stream != "owners")
