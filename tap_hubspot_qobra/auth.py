"""Credentials: a static private-app token, or the OAuth refresh-token grant; and granted scopes.

The OAuth source is shared by every worker thread. It refreshes ahead of expiry (HubSpot: "401 is
not a valid indicator"), and when a token is reported expired, only the first thread to report it
triggers a refresh: the others find a fresh token already there (one refresh, not a stampede).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from tap_hubspot_qobra.client import HubSpotClient
from tap_hubspot_qobra.errors import ApiAnswerError, AuthError, ConfigError, MissingScopesError
from tap_hubspot_qobra.settings import remember_secret

TOKEN_PATH = "/oauth/v1/token"
TOKEN_INFO_PATH = "/oauth/v1/access-tokens/{token}"
# Refresh this long before HubSpot's expiry, so a request never starts with a dying token; for
# short-lived tokens, a fifth of their life (else every request would refresh).
REFRESH_MARGIN_SECONDS = 300.0
REFRESH_MARGIN_SHARE = 0.2


class StaticToken:
    """A private-app token or service key: no expiry, nothing to refresh."""

    refreshable = False

    def __init__(self, token: str) -> None:
        self._token = token

    def token(self) -> str:
        return self._token

    def expired(self, token: str) -> None:  # noqa: ARG002
        msg = "HubSpot says the private-app token expired: create a new one and update access_token"
        raise AuthError(msg)


class OAuthRefresher:
    """Access tokens from the refresh-token grant, refreshed before they expire."""

    refreshable = True

    def __init__(
        self,
        client: HubSpotClient,
        *,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._form = {
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": client_secret,
            "refresh_token": refresh_token,
        }
        self._clock = clock
        self._lock = threading.Lock()
        self._access_token: str | None = None
        self._refresh_at = 0.0
        self.granted_scopes: tuple[str, ...] | None = None
        self.refreshes = 0

    def token(self) -> str:
        with self._lock:
            if self._access_token is None or self._clock() >= self._refresh_at:
                self._refresh()
            assert self._access_token is not None
            return self._access_token

    def expired(self, token: str) -> None:
        with self._lock:
            if token == self._access_token:
                self._access_token = None

    def _refresh(self) -> None:
        """One refresh-token grant; transient faults were already retried by the client."""
        try:
            answer = self._client.post_form(TOKEN_PATH, self._form)
        except ApiAnswerError as exc:
            msg = (
                f"HubSpot refused to refresh the OAuth token ({exc.category or exc.status}): reconnect the"
                " app with tap-hubspot-qobra-connect and update refresh_token, client_id and client_secret"
            )
            raise AuthError(msg) from None
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            msg = "HubSpot's token endpoint answered without an access_token; try again later"
            raise AuthError(msg)
        remember_secret(token)
        self._access_token = token
        lifetime = _seconds(answer.get("expires_in"))
        margin = min(REFRESH_MARGIN_SECONDS, lifetime * REFRESH_MARGIN_SHARE)
        self._refresh_at = self._clock() + lifetime - margin
        new_refresh_token = answer.get("refresh_token")
        if isinstance(new_refresh_token, str) and new_refresh_token:
            remember_secret(new_refresh_token)
            self._form["refresh_token"] = new_refresh_token
        scopes = answer.get("scopes")
        if isinstance(scopes, list):
            self.granted_scopes = tuple(str(s) for s in scopes)
        self.refreshes += 1
        self._client.count("token_refreshes")


def _seconds(value: object) -> float:
    """`expires_in` as seconds; HubSpot's default (30 min) when missing or malformed."""
    try:
        seconds = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 1800.0
    return seconds if 0 <= seconds < 10**7 else 1800.0


def token_source_for(config: dict, client: HubSpotClient) -> StaticToken | OAuthRefresher:
    """Pick the credentials from the config: OAuth when a refresh token is given, else a static token."""
    oauth_keys = ("client_id", "client_secret", "refresh_token")
    given = [key for key in oauth_keys if config.get(key)]
    if given and len(given) < len(oauth_keys):
        missing = ", ".join(key for key in oauth_keys if key not in given)
        msg = f"OAuth needs client_id, client_secret and refresh_token together; missing: {missing}"
        raise ConfigError(msg)
    if given:
        return OAuthRefresher(
            client,
            client_id=config["client_id"],
            client_secret=config["client_secret"],
            refresh_token=config["refresh_token"],
        )
    if config.get("access_token"):
        return StaticToken(config["access_token"])
    msg = "no HubSpot credentials: set access_token, or client_id + client_secret + refresh_token"
    raise ConfigError(msg)


def granted_scopes(client: HubSpotClient, source: StaticToken | OAuthRefresher) -> set[str] | None:
    """The token's scopes, or None when HubSpot will not say (private-app tokens): then we probe."""
    token = source.token()
    if isinstance(source, OAuthRefresher) and source.granted_scopes is not None:
        return set(source.granted_scopes)
    try:
        info = client.get(TOKEN_INFO_PATH.format(token=token))
    except (ApiAnswerError, AuthError, MissingScopesError):
        return None  # e.g. 404 for private-app tokens; transient and daily-limit failures still end the run
    scopes = info.get("scopes")
    return {str(s) for s in scopes} if isinstance(scopes, list) else None
