#!/usr/bin/env python
"""Bounded soak: sync a large simulated portal again and again through mixed faults, then report.

    .venv/bin/python scripts/soak.py                 # ~2 minutes, scale 3 (about 8,000 records)
    .venv/bin/python scripts/soak.py --minutes 10 --scale 10

Faults: ~5% 5xx, ~1% connection resets, truncated and HTML bodies, real 429s (the tap is allowed
a little more than the simulator's search budget, so its limiter must adapt), OAuth tokens that
live 20 s, and records changing during every run and between runs. The first run is a full sync;
the next ones are incremental, each after some records were changed: those must come back.

Prints requests, retries, 429s, token refreshes, records and records lost, and exits 1 if any
record was lost or a run failed.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hubspot_simulator import SIM_CLIENT_ID, SIM_CLIENT_SECRET, SimConfig, Simulator  # noqa: E402
from tap_hubspot_qobra.client import RetryPolicy  # noqa: E402
from tap_hubspot_qobra.tap import TapHubspotQobra  # noqa: E402

STREAMS = {"deals": "deals", "contacts": "contacts", "companies": "companies", "line_items": "line_items",
           "meetings": "meetings", "calls": "calls", "emails": "emails", "tasks": "tasks"}
FAULT_KINDS = ("500", "502", "503", "504", "524") * 5 + ("reset", "reset", "truncated", "html")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=2.0, help="wall-clock budget (default 2)")
    parser.add_argument("--scale", type=float, default=3.0, help="portal size, 1 = ~2,800 records")
    parser.add_argument("--fault-rate", type=float, default=0.07, help="share of requests that fail")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def sync(config: dict, state: dict | None, catalog: dict, totals: Counter) -> tuple[dict[str, set[str]], dict]:
    """One in-process run of the tap: the ids it emitted per stream and its last state."""
    tap = TapHubspotQobra(config=config, state=state, catalog=catalog, parse_env_config=False)
    tap.client.retry = RetryPolicy(max_tries=10, base_delay=0.2, max_delay=5)
    raw, real_stdout = io.BytesIO(), sys.stdout
    buffer = io.TextIOWrapper(raw, encoding="utf-8")
    sys.stdout = buffer
    try:
        tap.sync_all()
    finally:
        buffer.flush()
        sys.stdout = real_stdout
        totals.update(tap.client.stats)
    ids: dict[str, set[str]] = {stream: set() for stream in STREAMS}
    last_state: dict = state or {}
    for line in raw.getvalue().decode().splitlines():
        message = json.loads(line)
        if message["type"] == "RECORD" and message["stream"] in ids:
            ids[message["stream"]].add(message["record"]["id"])
            totals["records"] += 1
        elif message["type"] == "STATE":
            last_state = message["value"]
    return ids, last_state


def change_some(sim: Simulator, rng: random.Random, n: int) -> dict[str, set[str]]:
    """Update n random records per table between runs: the next incremental run must bring them."""
    changed: dict[str, set[str]] = {}
    for stream, object_type in STREAMS.items():
        live = sorted(record["id"] for record in sim.portal.live_records(object_type))
        picked = set(rng.sample(live, min(n, len(live))))
        for record_id in picked:
            sim.portal.update(object_type, record_id, {"hs_object_source_detail_1": f"soak-{rng.random()}"}
                              if object_type != "contacts" else {"firstname": f"soak-{rng.random()}"})
        changed[stream] = picked
    return changed


def main() -> int:
    args = parse_args()
    sim = Simulator(SimConfig(seed=args.seed, scale=args.scale, search_per_second=5, per_10s=100,
                              token_ttl_s=20, latency_ms=15)).start()
    config = {"api_url": sim.url, "client_id": SIM_CLIENT_ID, "client_secret": SIM_CLIENT_SECRET,
              "refresh_token": "sim-refresh-token", "max_concurrency": 6,
              "search_rate_limit_per_second": 6, "rate_limit_per_10s": 110, "request_timeout_seconds": 10}
    catalog = TapHubspotQobra(config=config, parse_env_config=False).catalog_dict
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] in STREAMS
    sim.config.fault_rate, sim.config.fault_kinds = args.fault_rate, FAULT_KINDS
    sim.config.fault_oauth, sim.config.churn_per_search = True, 1
    sim.reset_stats()
    rng, totals, lost, runs, failures = random.Random(args.seed), Counter(), 0, 0, 0
    deadline = time.monotonic() + args.minutes * 60
    state: dict | None = None
    expected = {stream: {r["id"] for r in sim.portal.live_records(t)} for stream, t in STREAMS.items()}
    started = time.monotonic()
    while runs == 0 or time.monotonic() < deadline:
        try:
            ids, state = sync(config, state, catalog, totals)
        except Exception as exc:  # noqa: BLE001 - a soak reports every failure and goes on
            failures += 1
            print(f"run {runs + 1} failed: {exc}", file=sys.stderr)
            ids = {stream: set() for stream in STREAMS}
        runs += 1
        missing = {stream: expected[stream] - ids[stream] for stream in STREAMS}
        lost += sum(len(m) for m in missing.values())
        print(f"run {runs}: {sum(map(len, ids.values()))} records, {sum(map(len, missing.values()))} lost"
              f" ({time.monotonic() - started:.0f} s)", file=sys.stderr)
        expected = change_some(sim, rng, 25)
    sim_stats = sim.stats
    sim.stop()
    figures = {
        "runs": runs, "failed_runs": failures, "seconds": round(time.monotonic() - started),
        "requests": totals["requests"], "retries": totals["retries"],
        "429s": totals["429s"], "token_refreshes": totals["token_refreshes"],
        "faults_injected": sim_stats["faults"], "records": totals["records"], "records_lost": lost,
    }
    for key, value in figures.items():
        print(f"{key:>16}: {value}")
    return 1 if lost or failures else 0


if __name__ == "__main__":
    sys.exit(main())
