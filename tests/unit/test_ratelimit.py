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
