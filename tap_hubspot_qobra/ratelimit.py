"""Thread-safe pacing of requests to HubSpot's rolling-window budgets.

Pacing before sending (instead of reacting to 429s) is what lets a parallel run go exactly as fast
as HubSpot allows: every worker thread asks the shared limiter of its request kind for a slot.
When HubSpot still says "too fast" (another app shares the budget, or clocks disagree), the limiter
adapts: it lowers its budget (and slowly earns it back after a clean window), and it believes
HubSpot's `X-HubSpot-RateLimit-Remaining` when that is lower than its own count.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

# The server sees our requests shifted by variable network latency; a small margin on the window
# keeps two requests sent exactly one period apart from landing inside one server window.
WINDOW_MARGIN = 0.04
# Each 429 multiplies the budget by this; it never goes below FLOOR_SHARE of the configured budget.
SLOW_DOWN_FACTOR = 0.8
FLOOR_SHARE = 0.25


class SlidingWindowLimiter:
    """At most `max_requests` request starts in any rolling `period` seconds."""

    def __init__(
        self,
        max_requests: int,
        period: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = WINDOW_MARGIN,
    ) -> None:
        if max_requests < 1:
            msg = f"a rate limit needs at least 1 request per window, got {max_requests}"
            raise ValueError(msg)
        self.max_requests = max_requests
        self.ceiling = max_requests  # the most the budget may grow back to
        self.floor = max(1, math.ceil(max_requests * FLOOR_SHARE))
        self.period = period * (1 + margin)
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._blocked_until = 0.0
        self._clean = 0  # successes since the last slow-down
        self._last_slow_down: float | None = None
        self._lock = threading.Lock()
        self.slow_downs = 0

    def acquire(self) -> None:
        """Block until a request may start, and record its start."""
        while True:
            with self._lock:
                wait = self._wait_needed(self._clock())
                if wait <= 0:
                    self._starts.append(self._clock())
                    return
            self._sleep(wait)

    def _wait_needed(self, now: float) -> float:
        self._expire(now)
        wait = self._blocked_until - now
        if len(self._starts) >= self.max_requests:
            wait = max(wait, self._starts[len(self._starts) - self.max_requests] + self.period - now)
        return wait

    def _expire(self, now: float) -> None:
        while self._starts and self._starts[0] <= now - self.period:
            self._starts.popleft()

    def hold_off(self, seconds: float) -> None:
        """No request starts for `seconds` from now (after HubSpot said we went too fast)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    def shrink_to(self, max_requests: int) -> None:
        """Adopt a smaller budget announced by HubSpot's rate-limit headers (never a larger one)."""
        with self._lock:
            if 1 <= max_requests < self.ceiling:
                self.ceiling = max_requests
                self.floor = min(self.floor, max_requests)
            self.max_requests = min(self.max_requests, self.ceiling)

    def sync_remaining(self, remaining: int) -> None:
        """HubSpot says only `remaining` starts are left in its window: count the difference as used.

        The extra starts are dated now, so they leave our window a period from now: the pause is
        never longer than one window, and it ends earlier as our own older starts age out.
        """
        with self._lock:
            now = self._clock()
            self._expire(now)
            extra = self.max_requests - len(self._starts) - max(0, remaining)
            self._starts.extend([now] * max(0, extra))

    def slow_down(self) -> None:
        """A 429 despite pacing: lower the budget (down to the floor) and fill the current window.

        A burst of 429s answering requests that were in flight together counts as one: the budget
        is cut at most once per window.
        """
        with self._lock:
            now = self._clock()
            self._clean = 0
            if self._last_slow_down is None or now - self._last_slow_down >= self.period:
                self._last_slow_down = now
                self.slow_downs += 1
                self.max_requests = max(self.floor, int(self.max_requests * SLOW_DOWN_FACTOR))
        self.sync_remaining(0)

    def succeeded(self) -> None:
        """One clean answer; a whole clean window earns one request of budget back."""
        with self._lock:
            if self.max_requests >= self.ceiling:
                return
            self._clean += 1
            if self._clean >= self.max_requests:
                self._clean = 0
                self.max_requests += 1


@dataclass
class RateLimits:
    """The budgets of one HubSpot account: search per second, everything else per 10 seconds."""

    search: SlidingWindowLimiter
    general: SlidingWindowLimiter

    @classmethod
    def from_config(
        cls,
        search_per_second: int,
        general_per_10s: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RateLimits:
        return cls(
            search=SlidingWindowLimiter(search_per_second, 1.0, clock=clock, sleep=sleep),
            general=SlidingWindowLimiter(general_per_10s, 10.0, clock=clock, sleep=sleep),
        )

    def for_kind(self, kind: str) -> SlidingWindowLimiter | None:
        """The limiter of a request kind; association batch reads and OAuth are exempt."""
        if kind == "search":
            return self.search
        if kind == "general":
            return self.general
        return None
