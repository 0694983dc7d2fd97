"""The one HTTP client of the tap: read-only guard, auth, pacing, retries and error mapping.

Every request to HubSpot goes through `HubSpotClient.request`, from any thread. That single place
decides what is retried, what slows the shared limiter down, and what ends the run, with messages
that never carry a token, a secret or a full URL.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from requests.adapters import HTTPAdapter

from tap_hubspot_qobra.errors import (
    AuthError,
    DailyLimitError,
    HubSpotError,
    MissingScopesError,
    WriteRefusedError,
)
from tap_hubspot_qobra.ratelimit import RateLimits

LOGGER = logging.getLogger("tap_hubspot_qobra")

_READ_POSTS = (
    re.compile(r"^/crm/v3/objects/[^/]+/search$"),
    re.compile(r"^/crm/v3/objects/[^/]+/batch/read$"),
    re.compile(r"^/crm/v4/associations/[^/]+/[^/]+/batch/read$"),
    re.compile(r"^/crm/v3/properties/[^/]+/batch/read$"),
    re.compile(r"^/oauth/v1/token$"),
    re.compile(r"^/oauth/v3/token/introspect$"),
)
TRANSIENT_STATUSES = frozenset({423, 477, 500, 502, 503, 504, 524})


def is_read_only(method: str, path: str) -> bool:
    """True for the only requests the tap may send: GETs, and POSTs that read (search, batch read, OAuth)."""
    if method.upper() == "GET":
        return True
    return method.upper() == "POST" and any(rule.match(path) for rule in _READ_POSTS)


def path_for_logs(path: str) -> str:
    """The path with any token segment masked (the token-info endpoint takes the token in its path)."""
    return re.sub(r"(/access-tokens/)[^/?]+", r"\1<token>", path)


def request_kind(method: str, path: str) -> str:
    """Which HubSpot budget a request draws on: search, general, assoc (exempt) or oauth."""
    if path.startswith("/oauth/"):
        return "oauth"
    if method.upper() == "POST" and path.endswith("/search"):
        return "search"
    if path.startswith("/crm/v4/associations/") and path.endswith("/batch/read"):
        return "assoc"
    return "general"


class ReadOnlyAdapter(HTTPAdapter):
    """Transport adapter that refuses, before any byte is sent, every request that is not a read."""

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        path = requests.utils.urlparse(request.url or "").path
        if not is_read_only(request.method or "", path):
            msg = f"refused to send {request.method} {path}: tap-hubspot-qobra never writes to HubSpot"
            raise WriteRefusedError(msg)
        return super().send(request, *args, **kwargs)


def read_only_session(pool_size: int) -> requests.Session:
    session = requests.Session()
    adapter = ReadOnlyAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
    for prefix in ("http://", "https://"):
        session.mount(prefix, adapter)
    return session


class TokenSource(Protocol):
    def token(self) -> str: ...
    def expired(self, token: str) -> None: ...


@dataclass
class RetryPolicy:
    max_tries: int = 8
    max_seconds: float = 600.0
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter, so parallel workers do not retry in lockstep."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))  # noqa: S311


class RetryableError(Exception):
    """A failure worth another try; `hold_off` asks the shared limiter to pause everyone."""

    def __init__(self, reason: str, hold_off: float = 0.0) -> None:
        super().__init__(reason)
        self.hold_off = hold_off


class HubSpotClient:
    """Thread-safe HubSpot API client."""

    def __init__(
        self,
        api_url: str,
        *,
        limits: RateLimits,
        timeout: float = 60.0,
        pool_size: int = 8,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.limits = limits
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.token_source: TokenSource | None = None
        self.stats: Counter[str] = Counter()
        self._stats_lock = threading.Lock()
        self._session = read_only_session(pool_size)
        self._sleep = sleep

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: dict) -> dict:
        return self.request("POST", path, json=body)

    def post_form(self, path: str, form: dict[str, str]) -> dict:
        """An OAuth form post: no bearer token, never logged with its body."""
        return self.request("POST", path, data=form, authenticated=False)

    def count(self, name: str, n: int = 1) -> None:
        with self._stats_lock:
            self.stats[name] += n

    def request(self, method: str, path: str, *, authenticated: bool = True, **kwargs: Any) -> dict:
        """Send one logical request, retrying what is transient; return the parsed JSON body."""
        kind = request_kind(method, path)
        started = time.monotonic()
        for attempt in range(self.retry.max_tries):
            try:
                return self._attempt(method, path, kind, authenticated=authenticated, **kwargs)
            except RetryableError as exc:
                self._before_retry(exc, kind, attempt, started, f"{method} {path_for_logs(path)}")
        raise AssertionError("unreachable")  # pragma: no cover

    def _before_retry(self, exc: RetryableError, kind: str, attempt: int, started: float, what: str) -> None:
        self.count("retries")
        elapsed = time.monotonic() - started
        if attempt + 1 >= self.retry.max_tries or elapsed >= self.retry.max_seconds:
            msg = f"HubSpot kept failing on {what} after {attempt + 1} tries in {elapsed:.0f} s: {exc}"
            raise HubSpotError(msg) from None
        limiter = self.limits.for_kind(kind)
        if exc.hold_off and limiter is not None:
            limiter.hold_off(exc.hold_off)
        delay = 0.0 if exc.hold_off else self.retry.delay(attempt)
        LOGGER.info("Retrying %s in %.2f s (%s)", what, delay, exc)
        if delay:
            self._sleep(delay)

    def _attempt(self, method: str, path: str, kind: str, *, authenticated: bool, **kwargs: Any) -> dict:
        limiter = self.limits.for_kind(kind)
        if limiter is not None:
            limiter.acquire()
        token = self.token_source.token() if authenticated and self.token_source else None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.count(f"requests_{kind}")
        try:
            response = self._session.request(
                method, self.api_url + path, headers=headers, timeout=self.timeout, **kwargs
            )
        except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
            raise RetryableError(type(exc).__name__) from None
        return self._handle(response, kind, token, f"{method} {path_for_logs(path)}")

    def _handle(self, response: requests.Response, kind: str, token: str | None, what: str) -> dict:
        status = response.status_code
        if status in (200, 207):
            self._adapt_to_headers(response, kind)
            return _json_body(response)
        body = _error_body(response)
        if status == 429:
            return self._rate_limited(body)
        if status == 401:
            return self._unauthorized(body, token)
        if status == 403 and body.get("category") == "MISSING_SCOPES":
            scopes = _required_scopes(body)
            msg = f"the token lacks scope {' or '.join(scopes) or '(unnamed)'} needed by {what}"
            raise MissingScopesError(msg, scopes)
        if status in TRANSIENT_STATUSES:
            raise RetryableError(f"HTTP {status}", hold_off=2.0 if status == 423 else 0.0)
        msg = f"HubSpot answered {status} to {what}: {_describe(body)}"
        raise HubSpotError(msg)

    def _rate_limited(self, body: dict) -> dict:
        policy = str(body.get("policyName") or "")
        self.count(f"429_{policy or 'UNKNOWN'}")
        if policy == "DAILY":
            msg = (
                "HubSpot's daily API limit for this account is spent; it resets at midnight in the"
                " account's time zone. Tables already finished keep their bookmarks; run again then."
            )
            raise DailyLimitError(msg)
        pause = 10.0 if policy == "TEN_SECONDLY_ROLLING" else 1.0
        raise RetryableError(f"rate limited ({policy or 'no policy named'})", hold_off=pause)

    def _unauthorized(self, body: dict, token: str | None) -> dict:
        if body.get("category") == "EXPIRED_AUTHENTICATION" and self.token_source and token:
            self.count("expired_tokens")
            self.token_source.expired(token)
            raise RetryableError("access token expired")
        msg = (
            f"HubSpot rejected the credentials ({body.get('category') or 'HTTP 401'}): check"
            " access_token, or reconnect the app and update refresh_token"
        )
        raise AuthError(msg)

    def _adapt_to_headers(self, response: requests.Response, kind: str) -> None:
        announced = response.headers.get("X-HubSpot-RateLimit-Max")
        if kind == "general" and announced and announced.isdigit():
            self.limits.general.shrink_to(int(announced))


def _json_body(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        raise RetryableError("truncated or non-JSON response body") from None
    if not isinstance(body, dict):
        raise RetryableError("response body is not a JSON object")
    return body


def _error_body(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _required_scopes(body: dict) -> tuple[str, ...]:
    scopes: list[str] = []
    for error in body.get("errors") or []:
        context = error.get("context") if isinstance(error, dict) else None
        if isinstance(context, dict):
            scopes.extend(str(s) for s in context.get("requiredGranularScopes") or [])
    return tuple(scopes)


def _describe(body: dict) -> str:
    category = body.get("category") or body.get("status") or "error"
    message = " ".join(str(body.get("message") or "no message").split())
    return f"{category}: {message[:300]}"
