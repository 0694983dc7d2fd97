"""`python -m hubspot_simulator` / `hubspot-simulator`: serve a simulated portal until killed."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from .config import ALL_FAULT_KINDS, SIM_PRIVATE_TOKEN, SimConfig
from .sim import Simulator


def _limit(text: str) -> int | None:
    return None if text.lower() in ("none", "off", "0") else int(text)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="hubspot-simulator", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--search-per-second", type=_limit, default=5, help="'none' disables")
    p.add_argument("--per-10s", type=_limit, default=100, help="'none' disables")
    p.add_argument("--daily-limit", type=_limit, default=None)
    p.add_argument("--index-lag-ms", type=int, default=0)
    p.add_argument("--token-ttl-s", type=int, default=1800)
    p.add_argument("--assoc-page-size", type=int, default=100)
    p.add_argument("--tie-group-size", type=int, default=50)
    p.add_argument("--extra-properties", type=int, default=20)
    p.add_argument("--fault-rate", type=float, default=0.0)
    p.add_argument("--fault-kinds", default=",".join(ALL_FAULT_KINDS))
    p.add_argument("--fault-oauth", action="store_true")
    p.add_argument("--churn-per-search", type=int, default=0)
    p.add_argument("--deny-authorize", action="store_true", help="the user refuses the OAuth install")
    p.add_argument("--portal-scopes", default=None, help="space/comma list; default: every tap scope")
    return p.parse_args(argv)


def config_from(args: argparse.Namespace) -> SimConfig:
    scopes = None
    if args.portal_scopes is not None:
        scopes = frozenset(s for s in args.portal_scopes.replace(",", " ").split() if s)
    return SimConfig(
        seed=args.seed, scale=args.scale, latency_ms=args.latency_ms,
        search_per_second=args.search_per_second, per_10s=args.per_10s, daily_limit=args.daily_limit,
        index_lag_ms=args.index_lag_ms, token_ttl_s=args.token_ttl_s,
        assoc_page_size=args.assoc_page_size, tie_group_size=args.tie_group_size,
        extra_properties=args.extra_properties, fault_rate=args.fault_rate,
        fault_kinds=tuple(k for k in args.fault_kinds.split(",") if k), fault_oauth=args.fault_oauth,
        churn_per_search=args.churn_per_search, approve_authorize=not args.deny_authorize,
        portal_scopes=scopes,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sim = Simulator(config_from(args)).start(args.host, args.port)
    print(f"HubSpot simulator listening on {sim.url} (token: {SIM_PRIVATE_TOKEN})", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        done.wait()
    except KeyboardInterrupt:
        pass
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
