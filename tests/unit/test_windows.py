"""windows: the bisection planner."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tap_hubspot_qobra.windows import Window, plan_windows


class Counter:
    """A `count` callable over a sorted list of timestamps, recording its calls."""

    def __init__(self, timestamps: list[int]) -> None:
        self.timestamps = sorted(timestamps)
        self.calls: list[tuple[int, int]] = []

    def __call__(self, lo: int, hi: int) -> int:
        self.calls.append((lo, hi))
        return bisect_left(self.timestamps, hi) - bisect_left(self.timestamps, lo)


def spans(windows: list[Window]) -> list[tuple[int, int, int]]:
    return [(w.lo_ms, w.hi_ms, w.count) for w in windows]


@pytest.mark.parametrize(
    ("lo", "hi", "timestamps", "target", "max_windows", "expected"),
    [
        # nothing to plan
        (10, 10, [], 1, 10, []),
        (10, 5, [7], 1, 10, []),
        # fits at once
        (0, 100, [], 5, 10, [(0, 100, 0)]),
        (0, 100, [1, 2, 3], 3, 10, [(0, 100, 3)]),
        # one split
        (0, 100, [10, 20, 60, 70], 2, 10, [(0, 50, 2), (50, 100, 2)]),
        # an empty half is kept and never split
        (0, 100, [60, 70, 80], 2, 10, [(0, 50, 0), (50, 75, 2), (75, 100, 1)]),
        # largest first: only the crowded half keeps splitting
        (0, 8, [0, 1, 2, 3, 4], 2, 10, [(0, 2, 2), (2, 4, 2), (4, 8, 1)]),
        # a 1 ms tie group above target stays whole
        (0, 4, [1] * 9, 2, 10, [(0, 1, 0), (1, 2, 9), (2, 4, 0)]),
        (5, 6, [5] * 50, 2, 10, [(5, 6, 50)]),
        # max_windows stops the planner
        (0, 100, list(range(100)), 10, 1, [(0, 100, 100)]),
        (0, 100, list(range(100)), 10, 3, [(0, 25, 25), (25, 50, 25), (50, 100, 50)]),
        # odd widths and negative timestamps
        (-3, 4, [-3, -2, 3], 1, 10, [(-3, -2, 1), (-2, 0, 1), (0, 4, 1)]),
    ],
)
def test_plan_windows(lo, hi, timestamps, target, max_windows, expected) -> None:
    counter = Counter(timestamps)
    windows = plan_windows(lo, hi, counter, target=target, max_windows=max_windows)
    assert spans(windows) == expected
    assert len(counter.calls) == len(windows)


def test_first_call_counts_the_whole_range_and_splits_count_left_halves() -> None:
    counter = Counter([10, 20, 60, 70])
    plan_windows(0, 100, counter, target=2, max_windows=10)
    assert counter.calls == [(0, 100), (0, 50)]


@pytest.mark.parametrize(
    ("target", "max_windows"),
    [(0, 10), (-1, 10), (5, 0)],
)
def test_plan_windows_refuses_bad_limits(target: int, max_windows: int) -> None:
    with pytest.raises(ValueError, match="must be >= 1"):
        plan_windows(0, 10, Counter([]), target=target, max_windows=max_windows)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # the data moved between calls: the left half grew past its parent
        ([3, 5], [(0, 5, 5), (5, 10, 0)]),
        # a count below zero from a confused backend is treated as empty
        ([-4], [(0, 10, 0)]),
    ],
)
def test_inconsistent_counts_still_cover_the_range(counts: list[int], expected: list) -> None:
    replies = iter(counts)
    windows = plan_windows(0, 10, lambda lo, hi: next(replies), target=2, max_windows=2)
    assert spans(windows) == expected


RANGES = st.integers(min_value=-10**13, max_value=10**13).flatmap(
    lambda lo: st.tuples(st.just(lo), st.integers(min_value=lo + 1, max_value=lo + 10**12)))


@st.composite
def plans(draw: Callable) -> tuple[int, int, list[int], int, int]:
    lo, hi = draw(RANGES)
    points = st.integers(min_value=lo, max_value=hi - 1)
    scattered = draw(st.lists(points, max_size=300))
    ties = draw(st.lists(st.tuples(points, st.integers(min_value=1, max_value=5000)), max_size=3))
    timestamps = scattered + [t for t, n in ties for _ in range(n)]
    target = draw(st.integers(min_value=1, max_value=400))
    max_windows = draw(st.integers(min_value=1, max_value=200))
    return lo, hi, timestamps, target, max_windows


@settings(max_examples=300, deadline=None)
@given(plans())
def test_plan_windows_properties(plan: tuple[int, int, list[int], int, int]) -> None:
    lo, hi, timestamps, target, max_windows = plan
    counter = Counter(timestamps)
    windows = plan_windows(lo, hi, counter, target=target, max_windows=max_windows)

    assert windows[0].lo_ms == lo and windows[-1].hi_ms == hi
    assert all(a.hi_ms == b.lo_ms for a, b in zip(windows, windows[1:]))
    assert all(w.lo_ms < w.hi_ms for w in windows)
    assert sum(w.count for w in windows) == len(timestamps)
    assert all(w.count == Counter(timestamps)(w.lo_ms, w.hi_ms) for w in windows)
    assert len(counter.calls) == len(windows) <= max_windows
    if len(windows) < max_windows:
        assert all(w.count <= target or w.width_ms == 1 for w in windows)
