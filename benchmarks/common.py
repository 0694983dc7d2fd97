"""What the benchmark modules share: paths, labels, the tables compared, the limits of part (b),
and the `Tap` / `Run` records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PEER_LABEL = "meltano-tap-hubspot 0.10.1"
OURS_LABEL = "tap-hubspot-qobra"
# (our stream, the peer's stream = the HubSpot object type)
TABLES = (
    ("deals", "deals"), ("companies", "companies"), ("line_items", "line_items"),
    ("meetings", "meetings"), ("calls", "calls"), ("emails", "emails"), ("tasks", "tasks"),
    ("contacts", "contacts"), ("goals", "goal_targets"),
)
SEARCH_PAGE = 200  # most records one search page returns
LIST_PAGE = 100    # most records one list (GET) page returns
REAL_LIMITS = {"latency_ms": 80, "search_per_second": 5, "per_10s": 190}


@dataclass
class Tap:
    key: str            # "ours" | "peer"
    label: str
    argv: list[str]     # the executable (and leading args)
    env: dict[str, str]
    stream_of: dict[str, str]  # object type -> this tap's stream name
    config: dict = field(default_factory=dict)

    def table_streams(self) -> set[str]:
        return set(self.stream_of.values())


@dataclass
class Run:
    tap: str
    phase: str
    wall_s: float
    cpu_s: float
    rc: int
    records: dict[str, int]
    stats: dict
    stderr_tail: str
    sim_cpu_s: float = 0.0  # CPU of this (the simulator's) process during the run

    @property
    def total(self) -> int:
        return sum(self.records.values())
