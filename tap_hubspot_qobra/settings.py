"""The tap's settings: JSON schema, checks the schema cannot express, and secret redaction."""

from __future__ import annotations

import re
from datetime import datetime

from singer_sdk import typing as th

from tap_hubspot_qobra.errors import ConfigError

SECRET_KEYS = ("client_secret", "refresh_token", "access_token")
_SECRETS: set[str] = set()

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


def check_settings(config: dict) -> None:
    """One-line errors for what the JSON schema lets through; also remembers the secrets to redact."""
    _SECRETS.update(str(config[key]) for key in SECRET_KEYS if config.get(key))
    for key in _POSITIVE:
        if key in config and (not isinstance(config[key], int) or config[key] < 1):
            raise ConfigError(f"setting {key} must be a whole number of at least 1, got {config[key]!r}")
    lookback = config.get("lookback_minutes", 30)
    if not isinstance(lookback, int) or lookback < 0:
        raise ConfigError(f"setting lookback_minutes must be a whole number >= 0, got {lookback!r}")
    start = config.get("start_date")
    if start is not None:
        try:
            datetime.fromisoformat(str(start).replace("Z", "+00:00"))
        except ValueError:
            raise ConfigError(f"setting start_date must be an ISO-8601 date or date-time, got {str(start)[:40]!r}") from None
    url = str(config.get("api_url") or "https://api.hubapi.com")
    if not re.match(r"^https?://[^/\s]+", url):
        raise ConfigError(f"setting api_url must be an http(s) URL, got {url[:60]!r}")


def redact(text: str) -> str:
    """`text` with every known secret, and anything shaped like a bearer token, masked."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        if len(secret) >= 4:
            text = text.replace(secret, "***")
    return re.sub(r"(?i)(bearer\s+)\S+", r"\1***", text)
