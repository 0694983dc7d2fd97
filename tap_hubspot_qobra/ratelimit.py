"""Thread-safe pacing of requests to HubSpot's rolling-window budgets.

Pacing before sending (instead of reacting to 429s) is what lets a parallel run go exactly as fast
as HubSpot allows: every worker thread asks the shared limiter of its request kind for a slot.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

# The server sees our requests shifted by variable network latency; a small margin on the window
# keeps two requests sent exactly one period apart from landing inside one server window.
WINDOW_MARGIN = 0.04


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
        self.period = period * (1 + margin)
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._blocked_until = 0.0
        self._lock = threading.Lock()
        self.waited_seconds = 0.0

    def acquire(self) -> None:
        """Block until a request may start, and record its start."""
        while True:
            with self._lock:
                wait = self._wait_needed(self._clock())
                if wait <= 0:
                    self._starts.append(self._clock())
                    return
                self.waited_seconds += wait
            self._sleep(wait)

    def _wait_needed(self, now: float) -> float:
        while self._starts and self._starts[0] <= now - self.period:
            self._starts.popleft()
        wait = self._blocked_until - now
        if len(self._starts) >= self.max_requests:
            wait = max(wait, self._starts[0] + self.period - now)
        return wait

    def hold_off(self, seconds: float) -> None:
        """No request starts for `seconds` from now (after HubSpot said we went too fast)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    def shrink_to(self, max_requests: int) -> None:
        """Adopt a smaller budget announced by HubSpot's rate-limit headers."""
        with self._lock:
            if 1 <= max_requests < self.max_requests:
                self.max_requests = max_requests


@dataclass
class RateLimits:
    """The budgets of one HubSpot account: search per second, everything else per 10 seconds."""

    search: SlidingWindowLimiter
    general: SlidingWindowLimiter
    counts: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_config(cls, search_per_second: int, general_per_10s: int) -> RateLimits:
        return cls(
            search=SlidingWindowLimiter(search_per_second, 1.0),
            general=SlidingWindowLimiter(general_per_10s, 10.0),
        )

    def for_kind(self, kind: str) -> SlidingWindowLimiter | None:
        """The limiter of a request kind; association batch reads and OAuth are exempt."""
        if kind == "search":
            return self.search
        if kind == "general":
            return self.general
        return None
