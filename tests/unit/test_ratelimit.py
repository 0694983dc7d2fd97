"""The sliding-window limiter, driven by a fake clock: no real waiting."""

from __future__ import annotations

import pytest

from tap_hubspot_qobra.ratelimit import RateLimits, SlidingWindowLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(max_requests: int, period: float, clock: FakeClock) -> SlidingWindowLimiter:
    return SlidingWindowLimiter(max_requests, period, clock=clock, sleep=clock.sleep, margin=0.0)


@pytest.mark.parametrize(
    ("max_requests", "period", "requests", "expected_end"),
    [
        (5, 1.0, 5, 0.0),  # a full budget goes out at once
        (5, 1.0, 6, 1.0),  # the 6th waits for the 1st to leave the window
        (5, 1.0, 11, 2.0),
        (100, 10.0, 250, 20.0),
        (1, 1.0, 3, 2.0),
    ],
)
def test_starts_never_exceed_the_budget(max_requests, period, requests, expected_end):
    clock = FakeClock()
    pace = limiter(max_requests, period, clock)
    starts = []
    for _ in range(requests):
        pace.acquire()
        starts.append(clock.now)
    assert clock.now == pytest.approx(expected_end)
    for i in range(len(starts) - max_requests):
        assert starts[i + max_requests] - starts[i] >= period - 1e-9


def test_hold_off_delays_everyone():
    clock = FakeClock()
    pace = limiter(5, 1.0, clock)
    pace.hold_off(3.0)
    pace.acquire()
    assert clock.now == pytest.approx(3.0)


def test_shrink_only_lowers_the_budget():
    pace = limiter(190, 10.0, FakeClock())
    pace.shrink_to(250)
    assert pace.max_requests == 190
    pace.shrink_to(100)
    assert pace.max_requests == 100


def test_margin_widens_the_window():
    assert SlidingWindowLimiter(5, 1.0, margin=0.04).period == pytest.approx(1.04)


def test_kinds_map_to_budgets():
    limits = RateLimits.from_config(5, 100)
    assert limits.for_kind("search") is limits.search
    assert limits.for_kind("general") is limits.general
    assert limits.for_kind("assoc") is None
    assert limits.for_kind("oauth") is None


def test_zero_budget_is_refused():
    with pytest.raises(ValueError, match="at least 1"):
        SlidingWindowLimiter(0, 1.0)


def test_slow_down_cuts_the_budget_once_per_window_and_fills_it():
    clock = FakeClock()
    pace = limiter(100, 10.0, clock)
    pace.slow_down()
    pace.slow_down()  # the same burst: no second cut
    assert pace.max_requests == 80 and pace.slow_downs == 1
    pace.acquire()
    assert clock.now == pytest.approx(10.0)  # the window was filled: wait one period
    clock.now += 10.0
    pace.slow_down()
    assert pace.max_requests == 64


def test_slow_down_stops_at_the_floor():
    clock = FakeClock()
    pace = limiter(10, 1.0, clock)
    for _ in range(20):
        clock.now += 2.0
        pace.slow_down()
    assert pace.max_requests == 3  # a quarter of 10, rounded up


def test_a_clean_window_earns_budget_back_up_to_the_ceiling():
    clock = FakeClock()
    pace = limiter(10, 1.0, clock)
    pace.slow_down()
    assert pace.max_requests == 8
    for _ in range(8 + 9):
        pace.succeeded()
    assert pace.max_requests == 10
    for _ in range(50):
        pace.succeeded()
    assert pace.max_requests == 10


def test_remaining_lower_than_ours_counts_as_used():
    clock = FakeClock()
    pace = limiter(100, 10.0, clock)
    for _ in range(10):
        pace.acquire()
    pace.sync_remaining(2)  # someone else spent most of the window
    pace.acquire()
    pace.acquire()
    assert clock.now == 0.0
    pace.acquire()
    assert clock.now == pytest.approx(10.0)


def test_remaining_higher_than_ours_changes_nothing():
    clock = FakeClock()
    pace = limiter(5, 1.0, clock)
    pace.acquire()
    pace.sync_remaining(50)
    for _ in range(4):
        pace.acquire()
    assert clock.now == 0.0


def test_announced_budget_caps_recovery():
    pace = limiter(190, 10.0, FakeClock())
    pace.shrink_to(100)
    for _ in range(1000):
        pace.succeeded()
    assert pace.max_requests == 100 and pace.ceiling == 100


def test_limiters_share_an_injected_clock():
    clock = FakeClock()
    limits = RateLimits.from_config(1, 1, clock=clock, sleep=clock.sleep)
    limits.search.acquire()
    limits.search.acquire()
    assert clock.now == pytest.approx(1.04)
