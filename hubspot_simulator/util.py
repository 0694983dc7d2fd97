"""Time formatting, cursors and HubSpot-shaped error bodies."""

from __future__ import annotations

import base64
import calendar
import time
import uuid
from datetime import datetime, timezone

DAY_MS = 86_400_000


def now_ms() -> int:
    return int(time.time() * 1000)


def iso_ms(ms: int) -> str:
    """Epoch ms -> `2024-01-15T14:22:10.456Z`."""
    secs, frac = divmod(int(ms), 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(secs)) + f".{frac:03d}Z"


def date_str(ms: int) -> str:
    """Epoch ms -> `YYYY-MM-DD` (UTC)."""
    return time.strftime("%Y-%m-%d", time.gmtime(int(ms) // 1000))


def parse_time(text: str) -> int | None:
    """Epoch-ms string, `YYYY-MM-DD` or ISO-8601 -> epoch ms; None when it is none of those."""
    text = text.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        if len(text) == 10:
            return calendar.timegm(time.strptime(text, "%Y-%m-%d")) * 1000
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return int(round(parsed.timestamp() * 1000))


def encode_cursor(value: int) -> str:
    """An opaque `after` cursor holding the last id returned."""
    return base64.urlsafe_b64encode(f"sim:{value}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not raw.startswith("sim:") or not raw[4:].lstrip("-").isdigit():
        return None
    return int(raw[4:])


def correlation_id() -> str:
    return str(uuid.uuid4())


def error_body(message: str, category: str, **extra: object) -> dict:
    body: dict = {"status": "error", "message": message, "correlationId": correlation_id()}
    body["category"] = category
    body.update(extra)
    return body


class ApiError(Exception):
    """Raised by endpoint code; becomes an HTTP error response."""

    def __init__(self, status: int, body: dict, headers: dict | None = None):
        super().__init__(body.get("message", ""))
        self.status = status
        self.body = body
        self.headers = headers or {}


def validation_error(message: str) -> ApiError:
    return ApiError(400, error_body(message, "VALIDATION_ERROR"))


def not_found(message: str = "Resource not found") -> ApiError:
    return ApiError(404, error_body(message, "OBJECT_NOT_FOUND"))


def rate_limit_body(policy: str) -> dict:
    messages = {
        "SECONDLY": "You have reached your secondly limit.",
        "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
        "DAILY": "You have reached your daily limit.",
    }
    return {
        "status": "error",
        "message": messages[policy],
        "errorType": "RATE_LIMIT",
        "correlationId": correlation_id(),
        "policyName": policy,
        "category": "RATE_LIMITS",
    }
