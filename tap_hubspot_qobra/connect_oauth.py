"""HubSpot's OAuth endpoints as the install flow uses them (FACTS.md section 7)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import requests

from tap_hubspot_qobra.connect_errors import RUNTIME_ERROR, USER_ERROR, ConnectError, redact
from tap_hubspot_qobra.tables import OPTIONAL_SCOPES, REQUIRED_SCOPES

DEFAULT_API_URL = "https://api.hubapi.com"
DEFAULT_AUTHORIZE_URL = "https://app.hubspot.com/oauth/authorize"
HTTP_TIMEOUT = 30.0  # seconds per token-endpoint call; the flow itself is bounded by --timeout


def build_authorize_url(
    authorize_url: str,
    *,
    client_id: str,
    redirect_uri: str,
    state: str,
    scopes: Sequence[str] = REQUIRED_SCOPES,
    optional_scopes: Sequence[str] = OPTIONAL_SCOPES,
) -> str:
    """The URL the user opens to install the app: scopes space-separated, as HubSpot wants."""
    params = {"client_id": client_id, "redirect_uri": redirect_uri, "scope": " ".join(scopes)}
    if optional_scopes:
        params["optional_scope"] = " ".join(optional_scopes)
    params["state"] = state
    # quote (not quote_plus): spaces as %20, which every decoder reads as a space
    query = urlencode(params, quote_via=quote)
    return f"{authorize_url}{'&' if '?' in authorize_url else '?'}{query}"


@dataclass(frozen=True)
class TokenGrant:
    """The token endpoint's answer; tokens are kept out of `repr` so they never reach a log."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int | None = None
    hub_id: int | None = None
    scopes: tuple[str, ...] | None = None  # None when the response did not say


def exchange_code(
    api_url: str,
    *,
    client_id: str,
    client_secret: str,
    code: str,
    redirect_uri: str,
    session: requests.Session | None = None,
) -> TokenGrant:
    """Trade an authorization code for tokens (`grant_type=authorization_code`)."""
    form = {
        "grant_type": "authorization_code",
        "client_id": client_id,
        "client_secret": client_secret,
        "redirect_uri": redirect_uri,
        "code": code,
    }
    secrets = (client_secret, code)
    url = f"{api_url.rstrip('/')}/oauth/v1/token"
    response = _call(session, "POST", url, secrets, data=form)
    if not response.ok:
        raise _token_error(response, redirect_uri, secrets)
    body = _json_object(response, "token endpoint")
    access, refresh = body.get("access_token"), body.get("refresh_token")
    if not isinstance(access, str) or not isinstance(refresh, str) or not access or not refresh:
        raise ConnectError("the token endpoint's answer has no access/refresh token", RUNTIME_ERROR)
    scopes = body.get("scopes")
    return TokenGrant(
        access_token=access,
        refresh_token=refresh,
        expires_in=body.get("expires_in"),
        hub_id=body.get("hub_id"),
        scopes=tuple(str(s) for s in scopes) if isinstance(scopes, list) else None,
    )


def fetch_granted_scopes(
    api_url: str, access_token: str, *, session: requests.Session | None = None
) -> tuple[str, ...]:
    """The scopes of an access token, from the token-info endpoint (older token responses)."""
    url = f"{api_url.rstrip('/')}/oauth/v1/access-tokens/{quote(access_token, safe='')}"
    secrets = (access_token, quote(access_token, safe=""))  # the token is in the URL itself
    response = _call(session, "GET", url, secrets)
    if not response.ok:
        raise ConnectError(
            f"reading the granted scopes failed: HTTP {response.status_code} "
            f"{redact(_hubspot_reason(response), secrets)}",
            RUNTIME_ERROR,
        )
    scopes = _json_object(response, "token-info endpoint").get("scopes")
    if not isinstance(scopes, list):
        raise ConnectError("the token-info endpoint's answer has no scopes list", RUNTIME_ERROR)
    return tuple(str(s) for s in scopes)


def _call(
    session: requests.Session | None, method: str, url: str, secrets: Sequence[str],
    **kwargs: object,
) -> requests.Response:
    """One HTTP request; a network failure becomes a one-line error with secrets removed."""
    try:
        return (session or requests).request(method, url, timeout=HTTP_TIMEOUT, **kwargs)
    except requests.RequestException as exc:
        host = url.split("/oauth/", 1)[0]
        detail = redact(f"{type(exc).__name__}: {exc}", secrets)
        raise ConnectError(
            f"cannot reach HubSpot at {host} ({detail})"
            "; check --api-url and the network",
            RUNTIME_ERROR,
        ) from None


def _json_object(response: requests.Response, what: str) -> dict:
    """The response body as a JSON object, or a one-line error."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ConnectError(f"the {what} did not answer with a JSON object", RUNTIME_ERROR)
    return body


def _hubspot_reason(response: requests.Response) -> str:
    """`STATUS: message` from a HubSpot error body (or RFC 6749 `error`), else the HTTP reason."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        status = body.get("status") or body.get("error") or body.get("category") or ""
        message = body.get("message") or body.get("error_description") or ""
        text = f"{status}: {message}" if status and message else str(status or message)
        if text:
            return text
    return response.reason or "no details"


def _token_error(
    response: requests.Response, redirect_uri: str, secrets: Sequence[str]
) -> ConnectError:
    """The one-line error for a refused authorization-code exchange."""
    reason = redact(_hubspot_reason(response), secrets)
    status = reason.split(":", 1)[0].upper()
    if "CLIENT" in status:
        return ConnectError(
            f"HubSpot rejected the app credentials ({reason}); check the client id and client "
            "secret (--client-id/--client-secret or HUBSPOT_CLIENT_ID/HUBSPOT_CLIENT_SECRET)"
        )
    if "REDIRECT" in status:
        return ConnectError(
            f"HubSpot rejected the redirect URI {redirect_uri} ({reason}); register it in the "
            "app's auth settings and pass the same --port"
        )
    if "AUTH_CODE" in status or "GRANT" in status:
        return ConnectError(
            f"HubSpot rejected the authorization code ({reason}); it expired or was already "
            "used: run the command again"
        )
    code = USER_ERROR if 400 <= response.status_code < 500 else RUNTIME_ERROR
    return ConnectError(f"the token exchange failed: HTTP {response.status_code} {reason}", code)
