"""The tap's settings: JSON schema, checks the schema cannot express, and secret redaction.

Redaction is process-wide: `install_redaction` wraps the logging record factory, so every log line
of every logger (the tap's, the SDK's, urllib3's) is masked before any handler sees it, including
handlers added later and exception tracebacks. Secrets are the config's and every token HubSpot
hands out during the run (`remember_secret`).
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime
from typing import Any

from singer_sdk import typing as th

from tap_hubspot_qobra.errors import ConfigError

SECRET_KEYS = ("client_secret", "refresh_token", "access_token")
_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
_INSTALLED: list[bool] = []
MIN_SECRET_LENGTH = 4
_TOKEN_SHAPES = (
    (re.compile(r"(?i)(bearer\s+)[^\s\"',;]+"), r"\1***"),
    (re.compile(r"(/access-tokens/)[^/?\s\"']+"), r"\1***"),
    (re.compile(r"(?i)((?:client_secret|refresh_token|access_token|token)[\"']?\s*[=:]\s*[\"']?)[^&\s\"',;}]+"), r"\1***"),
)

CONFIG_SCHEMA = th.PropertiesList(
    th.Property("api_url", th.StringType, default="https://api.hubapi.com",
                description="Base URL of the HubSpot API, used for every call including OAuth"),
    th.Property("client_id", th.StringType, description="OAuth app client id"),
    th.Property("client_secret", th.StringType, secret=True, description="OAuth app client secret"),
    th.Property("refresh_token", th.StringType, secret=True, description="OAuth refresh token"),
    th.Property("access_token", th.StringType, secret=True,
                description="Private-app token or service key, instead of OAuth"),
    th.Property("start_date", th.DateTimeType,
                description="Records last modified before it are not synced (default: everything)"),
    th.Property("lookback_minutes", th.IntegerType, default=30,
                description="Overlap subtracted from the bookmark on incremental runs (search index lag)"),
    th.Property("filters", th.ObjectType(additional_properties=True),
                description="Stream name -> list of HubSpot search filters, ANDed, to sync less"),
    th.Property("max_concurrency", th.IntegerType, default=4,
                description="Most HubSpot requests in flight at once"),
    th.Property("rate_limit_per_10s", th.IntegerType, default=100,
                description="Request budget per rolling 10 s outside search (100 Starter, 190 Pro/Ent, 110 OAuth apps)"),
    th.Property("search_rate_limit_per_second", th.IntegerType, default=5,
                description="Search request budget per second"),
    th.Property("request_timeout_seconds", th.IntegerType, default=60,
                description="Seconds to wait for one HubSpot answer before retrying"),
).to_dict()

_POSITIVE = ("max_concurrency", "rate_limit_per_10s", "search_rate_limit_per_second", "request_timeout_seconds")
_UPPER_BOUNDS = {"max_concurrency": 64, "request_timeout_seconds": 3600}


def check_settings(config: dict) -> None:
    """One-line errors for what the JSON schema lets through; also remembers the secrets to redact."""
    for key in SECRET_KEYS:
        if config.get(key):
            remember_secret(str(config[key]))
    install_redaction()
    for key in _POSITIVE:
        _check_whole(config, key, minimum=1, maximum=_UPPER_BOUNDS.get(key))
    _check_whole(config, "lookback_minutes", minimum=0, maximum=None)
    for key in ("client_id", *SECRET_KEYS):
        if key in config and config[key] is not None and not isinstance(config[key], str):
            raise ConfigError(f"setting {key} must be a string")
    _check_start_date(config.get("start_date"))
    url = str(config.get("api_url") or "https://api.hubapi.com")
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError(f"setting api_url must be an http(s) URL, got {redact(url)[:60]!r}")
    filters = config.get("filters")
    if filters is not None and not isinstance(filters, dict):
        raise ConfigError("setting filters must be an object: stream name -> list of HubSpot filters")


def _check_whole(config: dict, key: str, *, minimum: int, maximum: int | None) -> None:
    if key not in config or config[key] is None:
        return
    value = config[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"setting {key} must be a whole number of at least {minimum}, got {str(value)[:40]!r}")
    if maximum is not None and value > maximum:
        raise ConfigError(f"setting {key} must be at most {maximum}, got {value}")


def _check_start_date(start: object) -> None:
    if start is None:
        return
    try:
        parsed = datetime.fromisoformat(str(start).replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"setting start_date must be an ISO-8601 date or date-time, got {str(start)[:40]!r}") from None
    if not 1970 <= parsed.year <= 9000:
        raise ConfigError(f"setting start_date is out of range: {str(start)[:40]!r}")


def remember_secret(value: str) -> None:
    """Mask `value` wherever it would appear in a log line or error from now on."""
    if len(value) >= MIN_SECRET_LENGTH:
        with _SECRETS_LOCK:
            _SECRETS.add(value)


def redact(text: str) -> str:
    """`text` with every known secret, and anything shaped like a token, masked."""
    with _SECRETS_LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, "***")
    for pattern, replacement in _TOKEN_SHAPES:
        text = pattern.sub(replacement, text)
    return text


def install_redaction() -> None:
    """Make every log record of the process redacted at creation (idempotent)."""
    with _SECRETS_LOCK:
        if _INSTALLED:
            return
        _INSTALLED.append(True)
    base = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        redact_record(record)
        return record

    logging.setLogRecordFactory(factory)


def redact_record(record: logging.LogRecord) -> None:
    """Mask secrets in a record's message and traceback, in place."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a malformed log call must not break logging
        message = str(record.msg)
    masked = redact(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
