"""The parallel engine's hand-off: every page once, failures surface, an early stop ends the workers."""

from __future__ import annotations

import threading

import pytest

from tap_hubspot_qobra.fetcher import run_parallel
from tap_hubspot_qobra.windows import Window

WINDOWS = [Window(lo_ms=i * 10, hi_ms=i * 10 + 10, count=5) for i in range(12)]


def pages_of(window: Window, emit) -> None:
    for page in range(5):
        emit([{"id": f"{window.lo_ms}-{page}-{n}"} for n in range(3)])


@pytest.mark.parametrize("concurrency", [1, 2, 4, 16])
def test_every_page_arrives_once(concurrency):
    ids = [record["id"] for page in run_parallel(pages_of, WINDOWS, concurrency) for record in page]
    assert len(ids) == 12 * 5 * 3
    assert len(set(ids)) == len(ids)


def test_a_failing_window_fails_the_run():
    def read(window: Window, emit) -> None:
        if window.lo_ms == 50:
            raise RuntimeError("window 50 broke")
        pages_of(window, emit)

    with pytest.raises(RuntimeError, match="window 50 broke"):
        for _ in run_parallel(read, WINDOWS, 3):
            pass


def test_an_early_stop_releases_the_workers():
    alive = threading.active_count()
    pages = run_parallel(pages_of, WINDOWS, 4)
    next(pages)
    pages.close()  # what the SDK does when it stops after N records (--test)
    assert threading.active_count() == alive


def test_no_windows_no_threads():
    assert list(run_parallel(pages_of, [], 4)) == []
