"""Running a tap as a subprocess against a simulator started for that run, and measuring it:
wall time, the child's CPU time, the simulator's CPU time, records emitted per stream."""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from hubspot_simulator import SIM_PRIVATE_TOKEN, Portal, SimConfig, Simulator

from .common import OURS_LABEL, REAL_LIMITS, ROOT, Run, Tap

CHILD_TIMEOUT_S = 3600
METRIC_RE = re.compile(r"METRIC: (\{.*\})\s*$")


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a tap: no proxies (loopback only), quiet, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "pythonpath")
           and not k.startswith(("TAP_HUBSPOT", "MELTANO_"))}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def start_sim(portal: Portal, *, limits: bool) -> Simulator:
    """A simulator over `portal`: HubSpot's real limits and latency (part b), or none (part a)."""
    if limits:
        cfg = SimConfig(latency_ms=REAL_LIMITS["latency_ms"], search_per_second=REAL_LIMITS["search_per_second"],
                        per_10s=REAL_LIMITS["per_10s"])
    else:
        cfg = SimConfig(latency_ms=0, search_per_second=None, per_10s=None)
    return Simulator(cfg, portal=portal).start()


def tap_config(tap: Tap, sim: Simulator, limits: bool, concurrency: int) -> dict:
    if tap.key == "peer":
        return {"access_token": SIM_PRIVATE_TOKEN}
    cfg = {"api_url": sim.url, "access_token": SIM_PRIVATE_TOKEN, "max_concurrency": concurrency}
    if limits:
        cfg |= {"search_rate_limit_per_second": REAL_LIMITS["search_per_second"],
                "rate_limit_per_10s": REAL_LIMITS["per_10s"]}
    else:
        cfg |= {"search_rate_limit_per_second": 100_000, "rate_limit_per_10s": 1_000_000}
    return cfg


def write_config(tap: Tap, sim: Simulator, path: Path, limits: bool, concurrency: int) -> Path:
    path.write_text(json.dumps(tap_config(tap, sim, limits, concurrency)))
    return path


def tap_env(tap: Tap, sim: Simulator) -> dict[str, str]:
    """The peer has no URL setting: its shim reads the simulator's URL from the environment."""
    return dict(tap.env, HUBSPOT_SIM_URL=sim.url) if tap.key == "peer" else tap.env


def run_child(argv: list[str], env: dict[str, str], stdout_path: Path | None, stderr_path: Path,
              ) -> tuple[float, float, int]:
    """Run one tap process; (wall s, user+sys CPU s of the child, return code)."""
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        with open(stderr_path, "wb") as err:
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.Popen(argv, stdout=out, stderr=err, env=env, cwd=stderr_path.parent)
            try:
                rc = proc.wait(timeout=CHILD_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        if stdout_path:
            out.close()
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, rc


def record_counts(stderr_text: str, streams: set[str]) -> dict[str, int]:
    """Records emitted per stream, from the SDK's `record_count` METRIC lines (deltas, summed)."""
    counts: Counter = Counter()
    for line in stderr_text.splitlines():
        m = METRIC_RE.search(line)
        if not m:
            continue
        try:
            point = json.loads(m.group(1))
        except ValueError:
            continue
        if point.get("metric") == "record_count":
            stream = (point.get("tags") or {}).get("stream")
            if stream in streams:
                counts[stream] += int(point.get("value") or 0)
    return dict(counts)


def sync(tap: Tap, portal: Portal, catalog: Path, work: Path, *, limits: bool, concurrency: int,
         phase: str, n: int) -> Run:
    """One full sync of `tap` with `catalog`, against a fresh simulator over `portal`."""
    sim = start_sim(portal, limits=limits)
    try:
        cfg_path = write_config(tap, sim, work / f"{tap.key}-{phase}-config.json", limits, concurrency)
        stderr_path = work / f"{tap.key}-{phase}-{n}.stderr"
        sim.reset_stats()
        own = resource.getrusage(resource.RUSAGE_SELF)
        wall, cpu, rc = run_child([*tap.argv, "--config", str(cfg_path), "--catalog", str(catalog)],
                                  tap_env(tap, sim), None, stderr_path)
        own_after = resource.getrusage(resource.RUSAGE_SELF)
        stats = sim.stats
    finally:
        sim.stop()
    text = stderr_path.read_text(errors="replace")
    sim_cpu = (own_after.ru_utime - own.ru_utime) + (own_after.ru_stime - own.ru_stime)
    return Run(tap.key, phase, wall, cpu, rc, record_counts(text, tap.table_streams()), stats,
               "\n".join(text.splitlines()[-15:]), sim_cpu)


def discover(tap: Tap, portal: Portal, work: Path, concurrency: int) -> dict:
    """The tap's catalog (`--discover`), against a simulator over `portal`; exits on failure."""
    sim = start_sim(portal, limits=False)
    try:
        cfg_path = write_config(tap, sim, work / f"{tap.key}-discover-config.json", False, concurrency)
        out, err = work / f"{tap.key}-catalog-full.json", work / f"{tap.key}-discover.stderr"
        _, _, rc = run_child([*tap.argv, "--config", str(cfg_path), "--discover"], tap_env(tap, sim), out, err)
    finally:
        sim.stop()
    if rc != 0:
        sys.exit(f"{tap.label} --discover failed (rc {rc}):\n{err.read_text(errors='replace')[-3000:]}")
    return json.loads(out.read_text())


def profile_ours(tap: Tap, portal: Portal, catalog: Path, work: Path, concurrency: int, results: dict) -> None:
    """One run of (a) of our tap under benchmarks/profile_tap.py (all threads); prints the top costs."""
    import pstats

    sim = start_sim(portal, limits=False)
    try:
        cfg_path = write_config(tap, sim, work / "ours-profile-config.json", False, concurrency)
        prof = work / "ours.prof"
        wall, cpu, rc = run_child(
            [sys.executable, str(ROOT / "benchmarks" / "profile_tap.py"), str(prof),
             "--config", str(cfg_path), "--catalog", str(catalog)],
            tap.env, None, work / "ours-profile.stderr")
    finally:
        sim.stop()
    keep = ROOT / "benchmarks" / "results" / "ours-a.prof"
    keep.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(prof, keep)
    print(f"profile of {OURS_LABEL} (a), all threads, under cProfile ({wall:.1f} s wall, {cpu:.1f} s CPU, "
          f"rc {rc}); saved to {keep.relative_to(ROOT)}; top 25 by own time:")
    stats = pstats.Stats(str(prof))
    stats.sort_stats("tottime").print_stats(25)
    results["profile"] = str(keep.relative_to(ROOT))
