"""Sliding-window rate limits per principal (private token, or OAuth refresh-token lineage)."""

from __future__ import annotations

import threading
from collections import deque

from .config import SimConfig
from .util import ApiError, now_ms, rate_limit_body

SEARCH_WINDOW_MS = 1_000
GENERAL_WINDOW_MS = 10_000


class RateLimiter:
    def __init__(self, config: SimConfig, clock=now_ms):
        self.config = config
        self.clock = clock
        self.lock = threading.Lock()
        self.windows: dict[tuple[str, str], deque[int]] = {}
        self.daily: dict[str, int] = {}

    def _window(self, principal: str, kind: str, span: int, now: int) -> deque[int]:
        window = self.windows.setdefault((principal, kind), deque())
        while window and window[0] <= now - span:
            window.popleft()
        return window

    def admit(self, principal: str, kind: str, private: bool) -> dict[str, str]:
        """Count one request or raise a 429 ApiError; returns the rate-limit headers to send."""
        cfg, now = self.config, self.clock()
        with self.lock:
            used_today = self.daily.get(principal, 0)
            if cfg.daily_limit is not None and used_today >= cfg.daily_limit:
                raise ApiError(429, rate_limit_body("DAILY"))
            headers: dict[str, str] = {}
            if kind == "search" and cfg.search_per_second is not None:
                window = self._window(principal, kind, SEARCH_WINDOW_MS, now)
                if len(window) >= cfg.search_per_second:
                    raise ApiError(429, rate_limit_body("SECONDLY"))
                window.append(now)
            elif kind == "general":
                headers = self._general(principal, now, private)
            self.daily[principal] = used_today + 1
            if kind == "general" and private:
                remaining = "" if cfg.daily_limit is None else str(cfg.daily_limit - used_today - 1)
                headers["X-HubSpot-RateLimit-Daily"] = str(cfg.daily_limit or "")
                headers["X-HubSpot-RateLimit-Daily-Remaining"] = remaining
            return {k: v for k, v in headers.items() if v != ""}

    def _general(self, principal: str, now: int, private: bool) -> dict[str, str]:
        limit = self.config.per_10s
        window = self._window(principal, "general", GENERAL_WINDOW_MS, now)
        if limit is not None and len(window) >= limit:
            raise ApiError(429, rate_limit_body("TEN_SECONDLY_ROLLING"),
                           headers=_headers(limit, 0))
        window.append(now)
        return _headers(limit, None if limit is None else limit - len(window))

    def reset(self) -> None:
        with self.lock:
            self.windows.clear()
            self.daily.clear()


def _headers(limit: int | None, remaining: int | None) -> dict[str, str]:
    if limit is None:
        return {}
    return {"X-HubSpot-RateLimit-Max": str(limit), "X-HubSpot-RateLimit-Remaining": str(remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(GENERAL_WINDOW_MS)}
