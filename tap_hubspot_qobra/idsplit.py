"""A complete read of a table with both of HubSpot's budgets at once.

Search (5 requests/s, 200 records each) and the list endpoint (the ten-secondly budget, 100 records
each) are separate budgets. A full read climbs the ids with the list endpoint from the bottom while
search workers claim id windows from the top; they meet where their speeds put them. Splitting by
id, not by last-modified, also means a record that changes during the read cannot move out of the
part that has yet to be read.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from tap_hubspot_qobra import query
from tap_hubspot_qobra.fetcher import WindowFetcher, run_parallel, usable_records

LIST_PAGE_SIZE = 100
# Longer URLs risk HTTP 414; such tables are read by search alone.
MAX_LIST_URL_CHARS = 12_000
# Records per search window, on average: ids are sparse and spread over huge ranges in real
# portals, so windows are sized from the table's size, never as a fixed number of ids.
RECORDS_PER_WINDOW = 2000
# A table this small is read by the list endpoint alone: planning a search would cost more.
LIST_ONLY_RECORDS = 1000
JOINTURE_HELPERS = 2


class Frontier:
    """Where the list reader and the search workers meet: ids below `floor` belong to the list."""

    def __init__(self, windows: list[tuple[int, int]], lowest_id: int, highest_id: int) -> None:
        self._windows = sorted(windows)  # claimed from the end: highest ids first
        self._lock = threading.Lock()
        self.list_position = lowest_id - 1  # the highest id the list reader has kept
        self.floor = highest_id + 1  # the lowest id claimed by search

    def claim(self) -> tuple[int, int] | None:
        """The next id window for a search worker, trimmed to what the list has not read."""
        with self._lock:
            while self._windows:
                lo, hi = self._windows.pop()
                if hi <= self.list_position + 1:
                    self._windows.clear()
                    return None
                lo = max(lo, self.list_position + 1)
                self.floor = min(self.floor, lo)
                return lo, hi
            return None

    def keep(self, records: list[dict]) -> tuple[list[dict], bool]:
        """The list page's records below the floor, and whether the list reader is done."""
        with self._lock:
            kept = [record for record in records if int(record["id"]) < self.floor]
            if kept:
                self.list_position = max(self.list_position, max(int(r["id"]) for r in kept))
            return kept, len(kept) < len(records)


def id_windows(lowest: int, highest: int, total: int) -> list[tuple[int, int]]:
    """Contiguous id windows covering [lowest, highest], about RECORDS_PER_WINDOW records each."""
    count = max(1, -(-total // RECORDS_PER_WINDOW))
    width = max(1, -(-(highest - lowest + 1) // count))
    return [(lo, min(lo + width, highest + 1)) for lo in range(lowest, highest + 1, width)]


@dataclass(frozen=True)
class _Task:
    kind: str  # "list" or "search"


class IdSplitReader:
    """Every live record of a table, read by the list endpoint and search in parallel."""

    def __init__(self, fetcher: WindowFetcher) -> None:
        self.fetcher = fetcher
        self.client = fetcher.client
        self.table = fetcher.table

    @staticmethod
    def suits(fetcher: WindowFetcher) -> bool:
        """Only for unfiltered tables whose property list fits in a list URL."""
        table = fetcher.table
        return not table.user_filters and len(",".join(table.properties)) < MAX_LIST_URL_CHARS

    def pages(self) -> Iterator[list[dict]]:
        total, highest = self._size_and_highest_id()
        if total <= LIST_ONLY_RECORDS:
            frontier = Frontier([], 0, highest)
            yield from run_parallel(self._runner(frontier), [_Task("list")], 1)
            return
        lowest = self._lowest_id()
        frontier = Frontier(id_windows(lowest, highest, total), lowest, highest)
        searchers = max(1, self.fetcher.concurrency - 1)
        tasks = [_Task("list")] + [_Task("search")] * searchers
        yield from run_parallel(self._runner(frontier), tasks, len(tasks))

    def _size_and_highest_id(self) -> tuple[int, int]:
        answer = self.client.post(self.fetcher.search_path, query.edge_id_body("DESCENDING"))
        results = answer.get("results") or []
        highest = int(results[0]["id"]) if results else 0
        return int(answer.get("total") or 0), highest

    def _lowest_id(self) -> int:
        answer = self.client.post(self.fetcher.search_path, query.edge_id_body("ASCENDING"))
        results = answer.get("results") or []
        return int(results[0]["id"]) if results else 0

    def _runner(self, frontier: Frontier) -> Callable[[_Task, Callable[[list[dict]], None]], None]:
        def run(task: _Task, emit: Callable[[list[dict]], None]) -> None:
            if task.kind == "list":
                self._climb(frontier, emit)
            else:
                while (window := frontier.claim()) is not None:
                    self._search_ids(*window, emit)

        return run

    def _climb(self, frontier: Frontier, emit: Callable[[list[dict]], None]) -> None:
        """The list reader. Its cursor is sequential, so the association reads of a page run on
        helper threads while the next page is fetched: the cursor never waits for them."""
        if not self.table.jointures:
            for kept in self._list_pages(frontier):
                emit(kept)
            return
        with ThreadPoolExecutor(max_workers=JOINTURE_HELPERS, thread_name_prefix="jointures") as helpers:
            pending: deque[Future] = deque()
            for kept in self._list_pages(frontier):
                pending.append(helpers.submit(self._complete, kept, emit))
                while len(pending) > JOINTURE_HELPERS or (pending and pending[0].done()):
                    pending.popleft().result()  # re-raises a helper's failure here
            while pending:
                pending.popleft().result()

    def _complete(self, records: list[dict], emit: Callable[[list[dict]], None]) -> None:
        self.fetcher.attach_jointures(records)
        emit(records)

    def _list_pages(self, frontier: Frontier) -> Iterator[list[dict]]:
        """The list endpoint's pages, kept below the frontier, until it meets the search workers."""
        path = f"/crm/v3/objects/{self.table.object_type}"
        params = {"limit": LIST_PAGE_SIZE, "archived": "false", "properties": ",".join(self.table.properties)}
        after: str | None = None
        while True:
            answer = self.client.get(path, {**params, **({"after": after} if after else {})})
            kept, met_search = frontier.keep(usable_records(answer.get("results") or []))
            if kept:
                yield kept
            after = ((answer.get("paging") or {}).get("next") or {}).get("after")
            if met_search or not after:
                return

    def _search_ids(self, lo_id: int, hi_id: int, emit: Callable[[list[dict]], None]) -> None:
        self.fetcher.read_keyset(
            lambda after_id: query.id_range_page_body(
                lo_id=lo_id, hi_id=hi_id, after_id=after_id, properties=self.table.properties
            ),
            emit,
        )
