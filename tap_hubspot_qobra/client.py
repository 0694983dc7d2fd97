"""The one HTTP client of the tap: read-only guard, auth, pacing, retries and error mapping.

Every request to HubSpot goes through `HubSpotClient.request`, from any thread. That single place
decides what is retried, what slows the shared limiter down, and what ends the run, with messages
that never carry a token, a secret or a full URL.
"""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
import requests
from requests.adapters import HTTPAdapter

from tap_hubspot_qobra.errors import (
    ApiAnswerError,
    AuthError,
    DailyLimitError,
    MissingScopesError,
    RetriesExhaustedError,
    WriteRefusedError,
)
from tap_hubspot_qobra.ratelimit import RateLimits, SlidingWindowLimiter
from tap_hubspot_qobra.settings import redact

LOGGER = logging.getLogger("tap_hubspot_qobra")

_READ_POSTS = (
    re.compile(r"^/crm/v3/objects/[^/]+/search$"),
    re.compile(r"^/crm/v3/objects/[^/]+/batch/read$"),
    re.compile(r"^/crm/v4/associations/[^/]+/[^/]+/batch/read$"),
    re.compile(r"^/crm/v3/properties/[^/]+/batch/read$"),
    re.compile(r"^/oauth/v1/token$"),
    re.compile(r"^/oauth/v3/token/introspect$"),
)
# A POST path must be plain: no dot segments or escapes a server could normalise into a write path.
_PLAIN_PATH = re.compile(r"^(/[A-Za-z0-9_\-]+)+$")
_DECODER = msgspec.json.Decoder()
TRANSIENT_STATUSES = frozenset({408, 423, 477, 500, 502, 503, 504, 520, 521, 522, 523, 524, 525, 527, 530})
# Per logical request: how many times a 401 may lead to a new token (or a re-try of a proven one).
MAX_AUTH_RETRIES = 2
DEFAULT_INTERVAL_MS = 10_000
_NETWORK_ERRORS = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


def is_read_only(method: str, path: str) -> bool:
    """True for the only requests the tap may send: GETs, and POSTs that read (search, batch read, OAuth)."""
    method = method.upper()
    if method == "GET":
        return True
    return method == "POST" and bool(_PLAIN_PATH.match(path)) and any(rule.match(path) for rule in _READ_POSTS)


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
            msg = f"refused to send {request.method} {path_for_logs(path)}: tap-hubspot-qobra never writes to HubSpot"
            raise WriteRefusedError(msg)
        return super().send(request, *args, **kwargs)


def read_only_session(pool_size: int) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no .netrc credentials or proxy settings slipped into requests
    adapter = ReadOnlyAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
    for prefix in ("http://", "https://"):
        session.mount(prefix, adapter)
    return session


class TokenSource(Protocol):
    refreshable: bool

    def token(self) -> str: ...
    def expired(self, token: str) -> None: ...


@dataclass
class RetryPolicy:
    max_tries: int = 8
    max_seconds: float = 600.0
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_throttled: int = 30  # 429s (secondly / ten-secondly) per request: pacing, not faults

    def delay(self, attempt: int) -> float:
        """Exponential backoff with full jitter, so parallel workers do not retry in lockstep."""
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))  # noqa: S311


class RetryableError(Exception):
    """A failure worth another try. `wait`: seconds to wait first (None: the policy's backoff);
    `throttled`: HubSpot said "too fast" (counted apart from faults)."""

    def __init__(self, reason: str, wait: float | None = None, *, throttled: bool = False) -> None:
        super().__init__(reason)
        self.wait = wait
        self.throttled = throttled


@dataclass
class _Call:
    """One logical request and what happened to it so far."""

    method: str
    path: str
    kind: str
    authenticated: bool
    kwargs: dict[str, Any]
    started: float
    auth_retries: int = 0
    faults: int = 0
    throttles: int = 0
    reasons: list[str] = field(default_factory=list)

    @property
    def what(self) -> str:
        return f"{self.method} {path_for_logs(self.path)}"


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
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.limits = limits
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.token_source: TokenSource | None = None
        self.stats: Counter[str] = Counter()
        self.sleep = sleep
        self.clock = clock
        self._stats_lock = threading.Lock()
        self._session = read_only_session(pool_size)
        self._proven: set[str] = set()  # tokens HubSpot accepted in this run

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
        call = _Call(method, path, request_kind(method, path), authenticated, kwargs, self.clock())
        while True:
            try:
                return self._attempt(call)
            except RetryableError as exc:
                self._before_retry(exc, call)

    def _before_retry(self, exc: RetryableError, call: _Call) -> None:
        """Wait before the next try, or give up: faults and 429s each have a try budget, both a time one."""
        self.count("retries")
        call.reasons.append(str(exc))
        if exc.throttled:
            call.throttles += 1
        else:
            call.faults += 1
        elapsed = self.clock() - call.started
        delay = self.retry.delay(call.faults - 1) if exc.wait is None else exc.wait
        spent = call.faults >= self.retry.max_tries or call.throttles >= self.retry.max_throttled
        if spent or elapsed + delay > self.retry.max_seconds:
            self.count("retries_exhausted")
            seen = ", ".join(sorted(set(call.reasons)))
            msg = (
                f"HubSpot kept failing on {call.what} ({seen}) after {call.faults + call.throttles}"
                f" tries in {elapsed:.0f} s; bookmarks of unfinished tables were kept: run again later"
            )
            raise RetriesExhaustedError(msg) from None
        LOGGER.info("Retrying %s in %.2f s (%s)", call.what, delay, exc)
        if delay > 0:
            self.sleep(delay)

    def _attempt(self, call: _Call) -> dict:
        limiter = self.limits.for_kind(call.kind)
        if limiter is not None:
            limiter.acquire()
        token = self.token_source.token() if call.authenticated and self.token_source else None
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.count(f"requests_{call.kind}")
        self.count("requests")
        try:
            response = self._session.request(
                call.method, self.api_url + call.path, headers=headers,
                timeout=(min(10.0, self.timeout), self.timeout), **call.kwargs,
            )
        except _NETWORK_ERRORS as exc:
            self.count("network_errors")
            raise RetryableError(type(exc).__name__) from None
        return self._handle(response, call, token)

    def _handle(self, response: requests.Response, call: _Call, token: str | None) -> dict:
        status = response.status_code
        limiter = self.limits.for_kind(call.kind)
        if status in (200, 207):
            body = _json_body(response, call.what)
            self._adapt_to_headers(response, limiter)
            if token:
                self._prove(token)
            return body
        body = _error_body(response)
        if status == 429:
            return self._rate_limited(body, response, limiter)
        if status == 401 and call.authenticated:
            return self._unauthorized(body, call, token)
        if status == 403 and body.get("category") == "MISSING_SCOPES":
            scopes = _required_scopes(body)
            msg = f"the token lacks scope {' or '.join(scopes) or '(unnamed)'} needed by {call.what}"
            raise MissingScopesError(msg, scopes)
        if status in TRANSIENT_STATUSES:
            self.count(f"http_{status}")
            raise RetryableError(f"HTTP {status}", wait=2.0 if status == 423 else None)
        msg = f"HubSpot answered {status} to {call.what}: {_describe(body)}"
        raise ApiAnswerError(msg, status, str(body.get("category") or body.get("status") or ""))

    def _rate_limited(self, body: dict, response: requests.Response, limiter: SlidingWindowLimiter | None) -> dict:
        policy = str(body.get("policyName") or "")
        self.count(f"429_{policy or 'UNKNOWN'}")
        self.count("429s")
        if policy == "DAILY":
            raise DailyLimitError(_daily_limit_message(response.headers))
        interval = _int_header(response.headers, "X-HubSpot-RateLimit-Interval-Milliseconds")
        default_pause = 1.0 if policy == "SECONDLY" else DEFAULT_INTERVAL_MS / 1000
        pause = interval / 1000 if interval else default_pause
        if limiter is None:  # an exempt kind was limited anyway: just wait
            raise RetryableError(f"rate limited ({policy or 'no policy named'})", wait=pause, throttled=True)
        limiter.slow_down()
        remaining = _int_header(response.headers, "X-HubSpot-RateLimit-Remaining")
        if remaining is None and policy not in ("SECONDLY", "TEN_SECONDLY_ROLLING"):
            limiter.hold_off(pause)  # unknown policy, no headers: the safe, documented pause
        raise RetryableError(f"rate limited ({policy or 'no policy named'})", wait=0.0, throttled=True)

    def _unauthorized(self, body: dict, call: _Call, token: str | None) -> dict:
        category = str(body.get("category") or "INVALID_AUTHENTICATION")
        source = self.token_source
        if source is not None and token and call.auth_retries < MAX_AUTH_RETRIES:
            if category == "EXPIRED_AUTHENTICATION":
                call.auth_retries += 1
                self.count("expired_tokens")
                source.expired(token)  # one refresh for all threads that used this token
                raise RetryableError("access token expired", wait=0.0)
            if self._was_proven(token) and call.auth_retries == 0:
                # A token that worked a moment ago: HubSpot may have hiccuped, or an OAuth app
                # was disconnected (then the refresh fails with a clear message). One more try.
                call.auth_retries += 1
                self.count("auth_rechecks")
                if source.refreshable:
                    source.expired(token)
                raise RetryableError(f"HubSpot rejected a working token ({category})", wait=None)
        raise AuthError(_auth_message(category, source))

    def _prove(self, token: str) -> None:
        if token not in self._proven:
            with self._stats_lock:
                if len(self._proven) > 64:
                    self._proven.clear()
                self._proven.add(token)

    def _was_proven(self, token: str) -> bool:
        return token in self._proven

    def _adapt_to_headers(self, response: requests.Response, limiter: SlidingWindowLimiter | None) -> None:
        if limiter is None:
            return
        announced = _int_header(response.headers, "X-HubSpot-RateLimit-Max")
        if announced and limiter is self.limits.general:
            limiter.shrink_to(announced)
        remaining = _int_header(response.headers, "X-HubSpot-RateLimit-Remaining")
        if remaining is not None:
            limiter.sync_remaining(remaining)
        limiter.succeeded()


def _auth_message(category: str, source: TokenSource | None) -> str:
    if category == "EXPIRED_AUTHENTICATION":
        return (
            "HubSpot keeps rejecting freshly refreshed OAuth tokens as expired: check the"
            " machine's clock, then run again"
        )
    if source is not None and source.refreshable:
        return (
            f"HubSpot rejected the OAuth access token ({category}): the app may have been"
            " uninstalled; reconnect it with tap-hubspot-qobra-connect and update refresh_token"
        )
    return (
        f"HubSpot rejected access_token ({category}): create a new private-app token or"
        " service key in HubSpot and update access_token"
    )


def _daily_limit_message(headers: Any) -> str:
    when = "at midnight in the HubSpot account's time zone"
    retry_after = _int_header(headers, "Retry-After")
    if retry_after:
        reset = time.gmtime(time.time() + retry_after)
        when = f"in about {retry_after // 3600} h {retry_after % 3600 // 60} min ({time.strftime('%Y-%m-%d %H:%M', reset)} UTC)"
    return (
        f"HubSpot's daily API limit for this account is spent; it resets {when}. Tables already"
        " finished keep their bookmarks; run again after the reset"
    )


def _int_header(headers: Any, name: str) -> int | None:
    value = str(headers.get(name) or "").strip()
    return int(value) if value.isdigit() else None


def _json_body(response: requests.Response, what: str) -> dict:
    raw = response.content or b""
    try:
        body = _DECODER.decode(raw)  # C speed on the hot path; it also checks the UTF-8
    except msgspec.DecodeError:
        body = _lenient_json(raw, what)
    if not isinstance(body, dict):
        raise RetryableError("response body is not a JSON object")
    return body


def _lenient_json(raw: bytes, what: str) -> object:
    """JSON with bad UTF-8 bytes replaced (and logged); truncated or non-JSON bodies are retried."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        LOGGER.warning("%s: the answer was not valid UTF-8; bad bytes were replaced", what)
        text = raw.decode("utf-8", errors="replace")
    try:
        return json.loads(text)
    except ValueError:
        raise RetryableError("truncated or non-JSON response body") from None


def _error_body(response: requests.Response) -> dict:
    try:
        body = json.loads((response.content or b"").decode("utf-8", errors="replace"))
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
    return redact(f"{category}: {message[:300]}")
