"""Benchmark: tap-hubspot-qobra and meltano-tap-hubspot against the in-process HubSpot simulator.

(a) no latency, no rate limits: records per second (wall) and per CPU-second of the tap process.
(b) 80 ms latency per request, search 5/s, 190 requests per rolling 10 s: wall time next to the
    lower bound the limits imply for the requests made, and for the fewest requests needed.

Usage (from the repository root; benchmarks/run.sh creates the venvs first):
    .venv/bin/python -m benchmarks.bench [--scale 39] [--repeat 3] [--repeat-b 1] [--only a|b]
The figures are printed and written to benchmarks/results/latest.json. Nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import atexit
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from hubspot_simulator import Portal

from . import report
from .catalogs import association_ids, prepare_catalogs
from .common import OURS_LABEL, ROOT, TABLES, Run, Tap
from .peer import peer_tap
from .runners import child_env, profile_ours, sync


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=39,
                    help="simulator scale; 39 = 102,570 records in the 9 tables (default), 5 = a quick look")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs per tap for (a); the median is quoted")
    ap.add_argument("--repeat-b", type=int, default=1, help="runs per tap for (b); each takes minutes")
    ap.add_argument("--only", choices=("a", "b"), help="run one part only")
    ap.add_argument("--taps", default="ours,peer", help="comma list: ours,peer")
    ap.add_argument("--concurrency", type=int, default=4, help="our tap's max_concurrency")
    ap.add_argument("--peer-venv", type=Path, default=ROOT / ".venv-peer")
    ap.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "latest.json")
    ap.add_argument("--profile", action="store_true",
                    help="also profile one run of (a) of our tap (all threads) and print the top costs")
    ap.add_argument("--tap-src", type=Path,
                    help="benchmark the tap package found in this folder (put first on PYTHONPATH), "
                         "e.g. an unpacked `git archive` of another commit")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (configs, catalogs, stderr)")
    return ap.parse_args()


def tap_source(tap_src: Path | None) -> str:
    """The tap's commit, and whether its files differ from it (read-only git calls)."""
    if tap_src:
        return str(tap_src)
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "--",
                                "tap_hubspot_qobra"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "working tree (no git)"
    return f"commit {head}" + (" + uncommitted changes in tap_hubspot_qobra/" if dirty else "")


def build_taps(args: argparse.Namespace) -> dict[str, Tap]:
    """The taps named by --taps: ours (from .venv, or --tap-src) and the peer (its venv made when missing)."""
    keys = [k.strip() for k in args.taps.split(",") if k.strip()]
    ours_exe = Path(sys.executable).parent / "tap-hubspot-qobra"
    if not ours_exe.exists():
        sys.exit(f"{ours_exe} is missing: run benchmarks/run.sh (it installs the tap into .venv)")
    taps: dict[str, Tap] = {}
    if "ours" in keys:
        extra = {"PYTHONPATH": str(args.tap_src.resolve())} if args.tap_src else {}
        taps["ours"] = Tap("ours", OURS_LABEL, [str(ours_exe)], child_env(extra),
                           {obj: ours for ours, obj in TABLES})
    if "peer" in keys:
        taps["peer"] = peer_tap(args.peer_venv)
    return taps


@dataclass
class Bench:
    """One benchmark: the taps, the portal they read, their catalogs, and the figures so far."""

    args: argparse.Namespace
    taps: dict[str, Tap]
    portal: Portal
    live: dict[str, int]
    work: Path
    catalogs: dict[str, Path]
    results: dict
    problems: list[str] = field(default_factory=list)

    def run_phase(self, phase: str, repeat: int) -> dict[str, list[Run]]:
        """`repeat` syncs per tap, (a) without limits or (b) with them."""
        runs: dict[str, list[Run]] = {k: [] for k in self.taps}
        for i in range(repeat):  # interleaved, so machine noise hits both taps alike
            for key, tap in self.taps.items():
                run = sync(tap, self.portal, self.catalogs[key], self.work, limits=phase == "b",
                           concurrency=self.args.concurrency, phase=phase, n=i)
                report.note_run(self.results, self.problems, run, tap, self.live)
                runs[key].append(run)
                print(report.progress_line(run, tap, i, repeat), flush=True)
        return runs


def prepare(args: argparse.Namespace, started: float) -> Bench:
    """Taps, portal and catalogs ready, the portal described; nothing synced yet."""
    source = tap_source(args.tap_src)
    taps = build_taps(args)
    t0 = time.perf_counter()
    portal = Portal(args.seed, args.scale)
    build_s = time.perf_counter() - t0
    live = {obj: len(portal.table(obj).ids) for _, obj in TABLES}
    props = [len(portal.properties(obj)) for _, obj in TABLES]
    work = Path(tempfile.mkdtemp(prefix="hubspot-bench-"))
    if not args.keep:
        atexit.register(shutil.rmtree, work, ignore_errors=True)
    catalogs, joint = prepare_catalogs(taps, portal, work, args.concurrency)
    links = association_ids(portal, joint)
    report.print_portal(args, live, props, joint, links, source, build_s)
    results = report.new_results(args, live, props, joint, links, source, started)
    return Bench(args, taps, portal, live, work, catalogs, results)


def main() -> None:
    args = parse_args()
    started = time.time()
    bench = prepare(args, started)
    taps = bench.taps
    if args.only in (None, "a"):
        report.report_a(bench.results, taps, bench.run_phase("a", args.repeat), args.repeat)
    if args.profile and "ours" in taps:
        profile_ours(taps["ours"], bench.portal, bench.catalogs["ours"], bench.work, args.concurrency,
                     bench.results)
    if args.only in (None, "b"):
        report.report_b(bench.results, taps, bench.run_phase("b", args.repeat_b), args.repeat_b, bench.live)
    report.finish(bench.results, bench.problems, args.json, started)
    if args.keep:
        print(f"work files kept in {bench.work}")


if __name__ == "__main__":
    main()
