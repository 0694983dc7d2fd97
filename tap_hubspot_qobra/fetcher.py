"""The parallel fetch engine: last-modified windows read concurrently, records streamed in order of arrival.

The SDK has no concurrency for taps. Here a bounded thread pool reads windows (keyset pages plus
their association batch reads) and hands finished pages to the calling thread through a bounded
queue, so memory stays flat and only the caller ever writes Singer messages.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from tap_hubspot_qobra import query
from tap_hubspot_qobra.client import HubSpotClient
from tap_hubspot_qobra.windows import Window, plan_windows

LOGGER = logging.getLogger("tap_hubspot_qobra")
ASSOCIATION_BATCH_LIMIT = 1000
# Below this, a window is not worth the count query that splitting it costs.
MIN_WINDOW_RECORDS = 2000
MAX_CATCH_UP_ROUNDS = 5
_DONE = object()


@dataclass(frozen=True)
class TableQuery:
    """What to read from one CRM table."""

    object_type: str
    last_modified: str
    properties: tuple[str, ...]
    user_filters: tuple[dict, ...] = ()
    jointures: tuple[tuple[str, str], ...] = ()  # (field name, associated object type)


def now_ms() -> int:
    return int(time.time() * 1000)


class WindowFetcher:
    """Reads every record of a table modified in a range, window by window, in parallel."""

    def __init__(self, client: HubSpotClient, table: TableQuery, *, concurrency: int) -> None:
        self.client = client
        self.table = table
        self.concurrency = max(1, concurrency)
        self.search_path = f"/crm/v3/objects/{table.object_type}/search"

    # -- planning ---------------------------------------------------------------------------

    def first_modified_ms(self) -> int | None:
        """The smallest last-modified value of the table (under the user filters), or None if empty."""
        body = query.first_modified_body(
            last_modified=self.table.last_modified, user_filters=self.table.user_filters
        )
        results = self.client.post(self.search_path, body).get("results") or []
        if not results:
            return None
        value = (results[0].get("properties") or {}).get(self.table.last_modified)
        return query.datetime_to_ms(value) if value else None

    def count(self, lo_ms: int, hi_ms: int) -> int:
        body = query.count_body(
            last_modified=self.table.last_modified, lo_ms=lo_ms, hi_ms=hi_ms,
            user_filters=self.table.user_filters,
        )
        return int(self.client.post(self.search_path, body).get("total") or 0)

    def plan(self, lo_ms: int, hi_ms: int) -> list[Window]:
        total_hint = self.count(lo_ms, hi_ms) if hi_ms > lo_ms else 0
        target = max(MIN_WINDOW_RECORDS, -(-total_hint // (self.concurrency * 3)))
        windows = plan_windows(
            lo_ms, hi_ms, _cached_first(self.count, lo_ms, hi_ms, total_hint),
            target=target, max_windows=self.concurrency * 8,
        )
        return [window for window in windows if window.count > 0]

    # -- reading ----------------------------------------------------------------------------

    def pages(self, lo_ms: int, hi_ms: int) -> Iterator[list[dict]]:
        """Every record modified in [lo, hi) (as searched at read time), page by page, with jointures."""
        windows = self.plan(lo_ms, hi_ms)
        LOGGER.info(
            "%s: %d records in %d windows", self.table.object_type,
            sum(w.count for w in windows), len(windows),
        )
        yield from run_parallel(self._read_window, windows, self.concurrency)

    def catch_up_pages(self, since_ms: int) -> Iterator[list[dict]]:
        """Records modified since `since_ms`: they may have left a window before it was read."""
        lo = since_ms
        for _ in range(MAX_CATCH_UP_ROUNDS):
            hi = now_ms()
            found = 0
            for page in self.pages(lo, hi):
                found += len(page)
                yield page
            if not found:
                return
            lo = hi
        LOGGER.warning(
            "%s keeps changing; records changed in the last moments come with the next run",
            self.table.object_type,
        )

    def _read_window(self, window: Window, emit: Callable[[list[dict]], None]) -> None:
        self.read_keyset(
            lambda after_id: query.page_body(
                last_modified=self.table.last_modified, lo_ms=window.lo_ms, hi_ms=window.hi_ms,
                after_id=after_id, properties=self.table.properties,
                user_filters=self.table.user_filters,
            ),
            emit,
        )

    def read_keyset(
        self, body_for: Callable[[int | None], dict], emit: Callable[[list[dict]], None]
    ) -> None:
        """Keyset pages of one search (ids above the last one seen, never `after`), with jointures."""
        after_id: int | None = None
        while True:
            answer = self.client.post(self.search_path, body_for(after_id))
            raw = answer.get("results") or []
            results = usable_records(raw)
            if results:
                self.attach_jointures(results)
                emit(results)
                after_id = max(int(record["id"]) for record in results)
            if not results or len(raw) >= int(answer.get("total") or 0):
                return

    def attach_jointures(self, records: list[dict]) -> None:
        ids = [str(record["id"]) for record in records]
        for field, to_type in self.table.jointures:
            associated = self.associations(ids, to_type)
            for record in records:
                record[field] = associated.get(str(record["id"]), [])

    def associations(self, ids: Sequence[str], to_type: str) -> dict[str, list[str]]:
        """Associated ids per record id, with the v4 batch read and its per-input paging."""
        path = f"/crm/v4/associations/{self.table.object_type}/{to_type}/batch/read"
        found: dict[str, list[str]] = {}
        pending: list[dict] = [{"id": record_id} for record_id in ids]
        while pending:
            batch, pending = pending[:ASSOCIATION_BATCH_LIMIT], pending[ASSOCIATION_BATCH_LIMIT:]
            answer = self.client.post(path, {"inputs": batch})
            for result in answer.get("results") or []:
                from_id = str((result.get("from") or {}).get("id"))
                found.setdefault(from_id, []).extend(
                    str(to["toObjectId"]) for to in result.get("to") or []
                )
                after = ((result.get("paging") or {}).get("next") or {}).get("after")
                if after:
                    pending.append({"id": from_id, "after": after})
        return {key: _ordered_ids(values) for key, values in found.items()}


def usable_records(results: list) -> list[dict]:
    """The records of a page that have a numeric id; a malformed one is logged and skipped."""
    usable = [r for r in results if isinstance(r, dict) and str(r.get("id", "")).isdigit()]
    if len(usable) < len(results):
        LOGGER.warning("Skipped %d malformed record(s) without a numeric id", len(results) - len(usable))
    return usable


def _ordered_ids(ids: list[str]) -> list[str]:
    """Distinct ids in numeric order (HubSpot ids are digits; anything else sorts after, as text)."""
    unique = list(dict.fromkeys(ids))
    if all(value.isdigit() for value in unique):
        return sorted(unique, key=int)
    return sorted(unique, key=lambda value: (not value.isdigit(), int(value) if value.isdigit() else 0, value))


def _cached_first(
    count: Callable[[int, int], int], lo_ms: int, hi_ms: int, known: int
) -> Callable[[int, int], int]:
    """`count`, answering the whole-range question from the count already made."""

    def cached(lo: int, hi: int) -> int:
        return known if (lo, hi) == (lo_ms, hi_ms) else count(lo, hi)

    return cached


def run_parallel(
    read: Callable[[Window, Callable[[list[dict]], None]], None],
    windows: Sequence[Window],
    concurrency: int,
) -> Iterator[list[dict]]:
    """Run `read(window, emit)` for every window on a pool; yield emitted pages in the caller's thread.

    The queue is bounded, so a slow consumer slows the workers instead of growing memory. If the
    consumer stops early or a worker fails, the other workers are told to stop and are waited for.
    """
    if not windows:
        return
    pages: queue.Queue = queue.Queue(maxsize=concurrency * 2)
    stop = threading.Event()
    pool = ThreadPoolExecutor(max_workers=min(concurrency, len(windows)), thread_name_prefix="window")
    try:
        for window in windows:
            pool.submit(_work, read, window, pages, stop)
        remaining = len(windows)
        while remaining:
            item = pages.get()
            if item is _DONE:
                remaining -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)


def _work(read: Callable, window: Window, pages: queue.Queue, stop: threading.Event) -> None:
    """One window on a worker thread: its pages, then a done mark or the failure, into the queue."""
    try:
        read(window, lambda page: _put(pages, page, stop))
        _put(pages, _DONE, stop)
    except _Stopped:
        return
    except BaseException as exc:  # noqa: BLE001 - handed to the consumer, which re-raises it
        with contextlib.suppress(_Stopped):
            _put(pages, exc, stop)


class _Stopped(Exception):
    """The consumer is gone; a worker abandons its window."""


def _put(pages: queue.Queue, item: object, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            pages.put(item, timeout=0.1)
            return
        except queue.Full:
            continue
    raise _Stopped
