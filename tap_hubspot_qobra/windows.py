"""The last-modified window planner: bisect `[lo, hi)` on record counts to balance the pool."""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """Records last modified in `[lo_ms, hi_ms)`; `count` is the planner's estimate."""

    lo_ms: int
    hi_ms: int
    count: int

    @property
    def width_ms(self) -> int:
        return self.hi_ms - self.lo_ms


def plan_windows(
    lo_ms: int, hi_ms: int, count: Callable[[int, int], int], *, target: int, max_windows: int,
) -> list[Window]:
    """Contiguous windows covering `[lo_ms, hi_ms)`, sorted by `lo_ms`; `[]` for an empty range.

    `count(lo, hi)` returns how many records were last modified in `[lo, hi)`. It is called once
    for the whole range, then once per split (on the left half; the right half gets the parent's
    count minus the left's), so it is called exactly `len(result)` times.

    The largest window is split at its time midpoint until every window holds at most `target`
    records, or is 1 ms wide (a tie group cannot be split), or there are `max_windows` windows.
    Empty windows are kept (one cheap query each) and never split. When records change during
    planning the counts are only estimates: windows still cover the range, which is what matters.
    """
    if target < 1 or max_windows < 1:
        raise ValueError(f"target and max_windows must be >= 1, got {target} and {max_windows}")
    if lo_ms >= hi_ms:
        return []
    # Heap of (-count, lo, hi): the largest window pops first, earliest first among equals.
    heap: list[tuple[int, int, int]] = [(-max(count(lo_ms, hi_ms), 0), lo_ms, hi_ms)]
    final: list[Window] = []
    while heap and len(heap) + len(final) < max_windows:
        negative, lo, hi = heap[0]
        parent = -negative
        if parent <= target:
            break  # the largest fits, so they all do
        heapq.heappop(heap)
        if hi - lo <= 1:
            final.append(Window(lo, hi, parent))
            continue
        mid = lo + (hi - lo) // 2
        left = max(count(lo, mid), 0)
        # Clamped: a record that changed since the parent's count can make `left` exceed it.
        right = max(parent - left, 0)
        heapq.heappush(heap, (-left, lo, mid))
        heapq.heappush(heap, (-right, mid, hi))
    final.extend(Window(lo, hi, -negative) for negative, lo, hi in heap)
    return sorted(final, key=lambda window: window.lo_ms)
