"""The meeting point of the list reader (ids climbing) and the search workers (id windows descending)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tap_hubspot_qobra.idsplit import Frontier, id_windows


def simulate(ids: list[int], window: int, page: int, schedule: list[bool]) -> tuple[list[int], list[int]]:
    """Interleave list pages and search claims as `schedule` says; return the ids each side read."""
    lowest, highest = ids[0], ids[-1]
    windows = [(lo, min(lo + window, highest + 1)) for lo in range(lowest, highest + 1, window)]
    frontier = Frontier(windows, lowest, highest)
    by_list: list[int] = []
    by_search: list[int] = []
    position, list_done, search_done = 0, False, False
    for list_turn in schedule + [True, False] * (len(ids) + len(windows)):
        if list_turn and not list_done:
            records = [{"id": str(i)} for i in ids[position:position + page]]
            position += page
            kept, met = frontier.keep(records)
            by_list += [int(r["id"]) for r in kept]
            list_done = met or position >= len(ids)
        elif not list_turn and not search_done:
            claimed = frontier.claim()
            if claimed is None:
                search_done = True
            else:
                by_search += [i for i in ids if claimed[0] <= i < claimed[1]]
        if list_done and search_done:
            break
    return by_list, by_search


@settings(max_examples=300, deadline=None)
@given(
    gaps=st.lists(st.integers(min_value=1, max_value=7), min_size=1, max_size=400),
    window=st.integers(min_value=1, max_value=120),
    page=st.integers(min_value=1, max_value=30),
    schedule=st.lists(st.booleans(), max_size=200),
)
def test_every_id_is_read_exactly_once(gaps, window, page, schedule):
    ids = []
    current = 1000
    for gap in gaps:
        current += gap
        ids.append(current)
    by_list, by_search = simulate(ids, window, page, schedule)
    assert sorted(by_list + by_search) == ids


def test_search_first_takes_everything_but_what_the_list_read():
    ids = list(range(1, 101))
    by_list, by_search = simulate(ids, window=10, page=10, schedule=[False] * 20)
    assert by_list == [] and sorted(by_search) == ids


def test_the_list_alone_reads_a_table_search_never_claims():
    ids = list(range(1, 101))
    by_list, by_search = simulate(ids, window=1000, page=7, schedule=[True] * 30)
    assert by_list == ids and by_search == []


@pytest.mark.parametrize(
    ("lowest", "highest", "total", "most_windows"),
    [
        (1001, 4000, 1200, 1),
        (1001, 200_000, 100_000, 50),
        (5_000_000_001, 9_999_999_999, 100_000, 50),  # real portals: sparse ids over a huge range
        (7, 7, 1, 1),
    ],
)
def test_id_windows_are_sized_from_the_table_not_the_id_range(lowest, highest, total, most_windows):
    windows = id_windows(lowest, highest, total)
    assert len(windows) <= most_windows
    assert windows[0][0] == lowest and windows[-1][1] == highest + 1
    assert all(a[1] == b[0] for a, b in zip(windows, windows[1:]))
