"""The figures: lower bounds the rate limits imply, medians and ratios, the printed tables and
benchmarks/results/latest.json. Nothing here passes or fails."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import time
from pathlib import Path

from .common import LIST_PAGE, OURS_LABEL, PEER_LABEL, REAL_LIMITS, ROOT, SEARCH_PAGE, TABLES, Run, Tap

# which of needed_bounds() fits each tap's full-read endpoints
NEEDED_FOR = {"ours": "both", "peer": "list_only"}


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def fmt(value: float | None, spec: str = ",.0f") -> str:
    return "-" if value is None else format(value, spec)


def bound_made(stats: dict) -> tuple[float, int, int]:
    """Seconds the limits impose on the requests admitted (429-rejected ones use no budget)."""
    search = stats.get("search", 0) - stats.get("429_SECONDLY", 0)
    general = stats.get("general", 0) - stats.get("429_TEN_SECONDLY_ROLLING", 0)
    seconds = max(search / REAL_LIMITS["search_per_second"], general / (REAL_LIMITS["per_10s"] / 10))
    return seconds, search, general


def needed_bounds(live: dict[str, int]) -> dict[str, float]:
    """Seconds the limits impose on the fewest requests that can return every record:
    search only (ceil(n / 200) pages per table at 5/s), list only (ceil(n / 100) pages at 19/s),
    and both budgets at once (a search page holds two list pages' worth: units of 100 records
    are read at 2 x 5 + 19 = 29 per second)."""
    lim = REAL_LIMITS
    list_rate, search_rate = lim["per_10s"] / 10, lim["search_per_second"]
    units = sum(math.ceil(n / LIST_PAGE) for n in live.values())
    return {
        "search_only": sum(math.ceil(n / SEARCH_PAGE) for n in live.values()) / search_rate,
        "list_only": units / list_rate,
        "both": units / (search_rate * SEARCH_PAGE / LIST_PAGE + list_rate),
    }


def check_counts(run: Run, tap: Tap, live: dict[str, int]) -> list[str]:
    problems = []
    if run.rc != 0:
        problems.append(f"exit code {run.rc}; stderr tail:\n{run.stderr_tail}")
    for obj, n in live.items():
        got = run.records.get(tap.stream_of[obj], 0)
        if got != n:
            problems.append(f"{tap.stream_of[obj]}: emitted {got:,} records, portal has {n:,} live")
    return problems


# ----------------------------------------------------------------------------- the portal

def print_portal(args: argparse.Namespace, live: dict[str, int], props: list[int], joint: dict[str, list[str]],
                 links: int, source: str, build_s: float) -> None:
    print(f"portal: {sum(live.values()):,} records in {len(TABLES)} tables (scale {args.scale:g}, seed {args.seed}; "
          f"built in {build_s:.1f} s), {min(props)}-{max(props)} properties per table")
    print("  " + ", ".join(f"{obj} {n:,}" for obj, n in live.items()))
    if joint:
        print(f"  associations: {links:,} ids in {sum(len(js) for js in joint.values())} jointures synced by "
              f"{OURS_LABEL} ({', '.join(f'{s}.{j}' for s, js in joint.items() for j in js)}); "
              f"{PEER_LABEL} fetches no associations by default (it would need its 'associations' "
              f"setting and then reads them as separate streams), so it does less work here")
    print(f"  {OURS_LABEL} source: {source}")
    print(f"  machine: {os.cpu_count()} CPUs, Python {platform.python_version()}; the simulator runs in "
          f"this process (threads), each tap in a subprocess; only loopback traffic", flush=True)


def new_results(args: argparse.Namespace, live: dict[str, int], props: list[int], joint: dict[str, list[str]],
                links: int, source: str, started: float) -> dict:
    """The latest.json document before any run."""
    return {"scale": args.scale, "seed": args.seed, "records": sum(live.values()), "live": live,
            "properties_per_table": dict(zip([o for _, o in TABLES], props)),
            "association_ids": links, "tap_source": source, "jointures": joint, "cpus": os.cpu_count(),
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
            "runs": [], "a": {}, "b": {}}


# ----------------------------------------------------------------------------- runs

def note_run(results: dict, problems: list[str], run: Run, tap: Tap, live: dict[str, int]) -> None:
    """Keep one run's figures, and report a wrong exit code or record count at once."""
    results["runs"].append({"tap": run.tap, "phase": run.phase, "wall_s": round(run.wall_s, 3),
                            "cpu_s": round(run.cpu_s, 3), "simulator_cpu_s": round(run.sim_cpu_s, 3),
                            "rc": run.rc, "records": run.total, "stats": run.stats})
    for p in check_counts(run, tap, live):
        problems.append(f"{tap.label} ({run.phase}): {p}")
        print(f"\n!!! RECORD COUNT / EXIT MISMATCH - {tap.label} ({run.phase}): {p}\n", flush=True)


def progress_line(run: Run, tap: Tap, i: int, repeat: int) -> str:
    line = f"  ({run.phase}) run {i + 1}/{repeat} {tap.label}: {run.total:,} records, {run.wall_s:.1f} s wall"
    if run.phase == "a":
        line += f", {run.cpu_s:.1f} s tap CPU, {run.sim_cpu_s:.1f} s simulator CPU"
    return line


# ----------------------------------------------------------------------------- (a)

def summarize_a(tap: Tap, runs: list[Run]) -> dict:
    """Medians over the successful runs of one tap."""
    ok = [r for r in runs if r.rc == 0 and r.total]
    return {"label": tap.label, "records_per_s_wall": median([r.total / r.wall_s for r in ok]),
            "records_per_cpu_s": median([r.total / r.cpu_s for r in ok if r.cpu_s > 0]),
            "wall_s": median([r.wall_s for r in ok]), "cpu_s": median([r.cpu_s for r in ok]),
            "simulator_cpu_s": median([r.sim_cpu_s for r in ok]), "runs": len(ok),
            "requests": runs[-1].stats if runs else None}


def report_a(results: dict, taps: dict[str, Tap], runs: dict[str, list[Run]], repeat: int) -> None:
    print(f"\n(a) no latency, no limits      median of {repeat}   records/s (wall)   "
          f"records/s per tap CPU-second   wall s   tap CPU s   simulator CPU s")
    a = results["a"]
    for key, tap in taps.items():
        fig = a[key] = summarize_a(tap, runs[key])
        print(f"    {tap.label:<28}{'':14}{fmt(fig['records_per_s_wall']):>12}"
              f"{fmt(fig['records_per_cpu_s']):>26}{fmt(fig['wall_s'], '.1f'):>15}"
              f"{fmt(fig['cpu_s'], '.1f'):>12}{fmt(fig['simulator_cpu_s'], '.1f'):>18}")
    if len(taps) == 2 and all(a[k]["records_per_s_wall"] for k in taps):
        r_wall = a["ours"]["records_per_s_wall"] / a["peer"]["records_per_s_wall"]
        r_cpu = a["ours"]["records_per_cpu_s"] / a["peer"]["records_per_cpu_s"]
        a["ratio_ours_to_peer"] = {"wall": r_wall, "cpu": r_cpu}
        print(f"    {OURS_LABEL} / peer{'':19}{r_wall:>12.2f}x{r_cpu:>25.2f}x")
    for key, tap in taps.items():
        s = a[key]["requests"] or {}
        print(f"    requests per run, {tap.label}: search {s.get('search', 0):,}, general "
              f"{s.get('general', 0):,}, assoc {s.get('assoc', 0):,}")
    print(flush=True)


# ----------------------------------------------------------------------------- (b)

def summarize_b(key: str, tap: Tap, ok: list[Run], live: dict[str, int]) -> dict:
    """The median successful run of one tap next to the lower bounds."""
    pick = sorted(ok, key=lambda r: r.wall_s)[(len(ok) - 1) // 2]  # the median run
    s = pick.stats
    made, _, _ = bound_made(s)
    bounds = needed_bounds(live)
    needed = bounds[NEEDED_FOR[key]]
    return {
        "label": tap.label, "wall_s": pick.wall_s, "walls_s": [r.wall_s for r in ok],
        "search": s.get("search", 0), "general": s.get("general", 0), "assoc": s.get("assoc", 0),
        "oauth": s.get("oauth", 0), "429_search": s.get("429_SECONDLY", 0),
        "429_general": s.get("429_TEN_SECONDLY_ROLLING", 0),
        "bound_made_s": made, "ratio_made": pick.wall_s / made if made else None,
        "bound_needed_s": needed, "bound_needed_kind": NEEDED_FOR[key],
        "bounds_needed_s": bounds, "ratio_needed": pick.wall_s / needed,
        "records_per_s": pick.total / pick.wall_s,
    }


def report_b(results: dict, taps: dict[str, Tap], runs: dict[str, list[Run]], repeat: int,
             live: dict[str, int]) -> None:
    lim = REAL_LIMITS
    print(f"\n(b) {lim['latency_ms']} ms latency, search {lim['search_per_second']}/s, "
          f"{lim['per_10s']}/10 s (median of {repeat})")
    print(f"    {'tap':<28}{'wall s':>8}{'search':>8}{'general':>9}{'assoc':>7}{'429s':>6}"
          f"{'bound(made) s':>15}{'ratio':>7}{'bound(needed) s':>17}{'ratio':>7}")
    for key, tap in taps.items():
        ok = [r for r in runs[key] if r.rc == 0 and r.total]
        if not ok:
            print(f"    {tap.label:<28} no successful run")
            continue
        rb = results["b"][key] = summarize_b(key, tap, ok, live)
        n429 = rb["429_search"] + rb["429_general"]
        print(f"    {tap.label:<28}{rb['wall_s']:>8.1f}{rb['search']:>8,}{rb['general']:>9,}"
              f"{rb['assoc']:>7,}{n429:>6,}{rb['bound_made_s']:>15.1f}{fmt(rb['ratio_made'], '.2f'):>6}x"
              f"{rb['bound_needed_s']:>17.1f}{rb['ratio_needed']:>6.2f}x")
    print_bounds_legend(live)


def print_bounds_legend(live: dict[str, int]) -> None:
    lim = REAL_LIMITS
    print(f"    bound(made) = max(admitted searches / {lim['search_per_second']}, admitted general "
          f"requests / {lim['per_10s'] // 10}) s; assoc batch reads and OAuth are exempt; 429s are "
          f"split search/general in latest.json")
    bounds = needed_bounds(live)
    print(f"    bound(needed) = the fewest pages that return every record, at the limits: "
          f"{OURS_LABEL} reads with search ({SEARCH_PAGE}/page, {lim['search_per_second']}/s) and the "
          f"list endpoint ({LIST_PAGE}/page, {lim['per_10s'] // 10}/s) at once: "
          f"{bounds['both']:.1f} s; the peer's full sync uses the list endpoint only: "
          f"{bounds['list_only']:.1f} s (search only would be {bounds['search_only']:.1f} s)")
    print()


# ----------------------------------------------------------------------------- the end

def targets_line(results: dict) -> str:
    """The issue's targets next to this run's figures (information only: nothing fails)."""
    parts = []
    a, b = results["a"].get("ours"), results["b"].get("ours")
    if a and a.get("records_per_cpu_s"):
        ahead = results["a"].get("ratio_ours_to_peer")
        parts.append(f"(a) >= 10,000 records/s: {a['records_per_cpu_s']:,.0f} per tap CPU-second, "
                     f"{a['records_per_s_wall']:,.0f} per wall second"
                     + (f"; ahead of the peer: {ahead['cpu']:.2f}x (CPU), {ahead['wall']:.2f}x (wall)"
                        if ahead else ""))
    if b and b.get("ratio_made"):
        parts.append(f"(b) within 1.25x of the lower bound: {b['ratio_made']:.2f}x (requests made), "
                     f"{b['ratio_needed']:.2f}x (requests needed)")
    return ("targets of the issue, " + OURS_LABEL + ":\n    " + "\n    ".join(parts)) if parts else ""


def finish(results: dict, problems: list[str], json_path: Path, started: float) -> None:
    """Print the targets and the problems, write latest.json."""
    summary = targets_line(results)
    if summary:
        print(summary)
    results["problems"] = problems
    results["elapsed_s"] = round(time.time() - started, 1)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    if problems:
        print("!!! PROBLEMS (see above):\n  " + "\n  ".join(p.splitlines()[0] for p in problems))
    shown = json_path.relative_to(ROOT) if json_path.is_relative_to(ROOT) else json_path
    print(f"figures written to {shown}; benchmark took {results['elapsed_s']:.0f} s")
