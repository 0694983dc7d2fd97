"""Tokens: static private-app tokens, the OAuth app (authorize, token grants, token info)."""

from __future__ import annotations

import secrets
import threading
import urllib.parse
from dataclasses import dataclass

from .config import (PORTAL_ID, SIM_CLIENT_ID, SIM_CLIENT_SECRET, SIM_PRIVATE_TOKEN,
                     SIM_REFRESH_TOKEN, USER_ID, SimConfig)
from .util import ApiError, correlation_id, error_body, iso_ms, not_found, now_ms

SCOPES_LINK = "https://developers.hubspot.com/scopes"
AUTH_MESSAGE = ("Authentication credentials not found. This API supports OAuth 2.0 authentication "
                "and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")


@dataclass
class Token:
    value: str
    kind: str  # "private" | "oauth"
    scopes: frozenset[str]
    principal: str  # rate-limit key: the private token, or the OAuth refresh token it came from
    expires_ms: int | None = None


def oauth_error(status: str, message: str) -> ApiError:
    return ApiError(400, {"status": status, "message": message, "correlationId": correlation_id()})


def missing_scopes(alternatives: tuple[str, ...]) -> ApiError:
    return ApiError(403, {
        "status": "error",
        "message": "This app hasn't been granted all required scopes to make this call. Read more "
                   "about required scopes here: https://developers.hubspot.com/scopes.",
        "correlationId": correlation_id(),
        "errors": [{"message": "One or more of the following scopes are required.",
                    "context": {"requiredGranularScopes": list(alternatives)}}],
        "links": {"scopes": SCOPES_LINK},
        "category": "MISSING_SCOPES",
    })


class AuthStore:
    def __init__(self, config: SimConfig):
        self.config = config
        self.lock = threading.Lock()
        all_scopes = config.scopes()
        self.private: dict[str, frozenset[str]] = {SIM_PRIVATE_TOKEN: all_scopes}
        self.refresh: dict[str, frozenset[str]] = {SIM_REFRESH_TOKEN: all_scopes}
        self.access: dict[str, Token] = {}
        self.codes: dict[str, tuple[str, frozenset[str], int]] = {}
        self.clients = {SIM_CLIENT_ID: SIM_CLIENT_SECRET}

    # ----- test helpers -----
    def make_private_token(self, scopes) -> str:
        token = f"pat-sim-{secrets.token_hex(8)}"
        with self.lock:
            self.private[token] = frozenset(scopes)
        return token

    def make_refresh_token(self, scopes) -> str:
        token = f"sim-rt-{secrets.token_hex(12)}"
        with self.lock:
            self.refresh[token] = frozenset(scopes)
        return token

    def revoke(self, token: str) -> None:
        with self.lock:
            self.private.pop(token, None)
            self.refresh.pop(token, None)
            self.access.pop(token, None)
            for value, tok in list(self.access.items()):
                if tok.principal == token:
                    del self.access[value]

    # ----- CRM calls -----
    def authenticate(self, header: str | None) -> Token:
        value = header[7:].strip() if header and header.lower().startswith("bearer ") else None
        with self.lock:
            if value in self.private:
                return Token(value, "private", self.private[value], value)
            token = self.access.get(value) if value else None
        if token is None:
            raise ApiError(401, error_body(AUTH_MESSAGE, "INVALID_AUTHENTICATION"))
        now = now_ms()
        if token.expires_ms is not None and now >= token.expires_ms:
            ago = (now - token.expires_ms) // 1000
            raise ApiError(401, error_body(
                f"The OAuth token used to make this call expired {ago} second(s) ago.",
                "EXPIRED_AUTHENTICATION", context={"expire time": [iso_ms(token.expires_ms)]}))
        return token

    # ----- /oauth/* -----
    def _issue(self, refresh_token: str, scopes: frozenset[str]) -> dict:
        ttl = int(self.config.token_ttl_s)
        value = f"sim-at-{secrets.token_hex(16)}"
        with self.lock:
            self.access[value] = Token(value, "oauth", scopes, refresh_token, now_ms() + ttl * 1000)
        return {"access_token": value, "refresh_token": refresh_token, "expires_in": ttl,
                "token_type": "bearer", "token_use": "access_token", "hub_id": PORTAL_ID,
                "scopes": sorted(scopes), "user_id": USER_ID}

    def _check_client(self, form: dict) -> None:
        client_id = form.get("client_id")
        if client_id not in self.clients:
            raise oauth_error("BAD_CLIENT_ID", "missing or unknown client_id")
        if form.get("client_secret") != self.clients[client_id]:
            raise oauth_error("BAD_CLIENT_SECRET", "missing or invalid client_secret")

    def token(self, form: dict) -> dict:
        """`POST /oauth/v1/token` (refresh_token or authorization_code grant)."""
        self._check_client(form)
        grant = form.get("grant_type")
        if grant == "refresh_token":
            rt = form.get("refresh_token") or ""
            with self.lock:
                scopes = self.refresh.get(rt)
            if scopes is None:
                raise oauth_error("BAD_REFRESH_TOKEN", "missing or unknown refresh token")
            return self._issue(rt, scopes)
        if grant == "authorization_code":
            return self._exchange_code(form)
        raise oauth_error("BAD_GRANT_TYPE", f"unsupported grant_type {grant!r}")

    def _exchange_code(self, form: dict) -> dict:
        with self.lock:
            entry = self.codes.pop(form.get("code") or "", None)
        if entry is None or entry[2] < now_ms():
            raise oauth_error("BAD_AUTH_CODE", "missing or unknown auth code")
        redirect_uri, scopes, _ = entry
        if form.get("redirect_uri") != redirect_uri:
            raise oauth_error("BAD_REDIRECT_URI", "redirect_uri does not match the authorize request")
        return self._issue(self.make_refresh_token(scopes), scopes)

    def authorize(self, query: dict) -> str:
        """`GET /oauth/authorize` -> the Location to redirect to (302)."""
        if query.get("client_id") not in self.clients:
            raise oauth_error("BAD_CLIENT_ID", "missing or unknown client_id")
        redirect_uri = query.get("redirect_uri") or ""
        if not redirect_uri:
            raise oauth_error("BAD_REDIRECT_URI", "missing redirect_uri")
        required = set((query.get("scope") or "").split())
        optional = set((query.get("optional_scope") or "").split())
        portal = self.config.scopes()
        params = {"state": query.get("state") or ""}
        missing = sorted(required - portal)
        if missing or not self.config.approve_authorize:
            params["error"] = "access_denied"
            params["error_description"] = (f"The portal lacks required scopes: {' '.join(missing)}"
                                           if missing else "The user denied the installation.")
        else:
            code = f"sim-code-{secrets.token_hex(8)}"
            granted = frozenset(required | (optional & portal))
            with self.lock:
                self.codes[code] = (redirect_uri, granted, now_ms() + self.config.auth_code_ttl_s * 1000)
            params["code"] = code
        sep = "&" if "?" in redirect_uri else "?"
        return redirect_uri + sep + urllib.parse.urlencode(params)

    def token_info(self, value: str) -> dict:
        """`GET /oauth/v1/access-tokens/{token}`: OAuth access tokens only (private tokens: 404)."""
        with self.lock:
            token = self.access.get(value)
        if token is None or (token.expires_ms is not None and token.expires_ms <= now_ms()):
            raise not_found("Token not found")
        return self._describe(token) | {"token": value, "token_type": "access"}

    def _describe(self, token: Token) -> dict:
        expires_in = max(0, ((token.expires_ms or now_ms()) - now_ms()) // 1000)
        return {"user": "sim-user@example.com", "hub_domain": "sim.hubspot.example", "hub_id": PORTAL_ID,
                "app_id": 424242, "user_id": USER_ID, "scopes": sorted(token.scopes),
                "expires_in": expires_in, "is_private_distribution": False}

    def introspect(self, form: dict) -> dict:
        """`POST /oauth/v3/token/introspect`: access or refresh tokens of the OAuth app."""
        if form.get("client_id") is not None:
            self._check_client(form)
        value = form.get("token") or ""
        with self.lock:
            token = self.access.get(value)
            refresh_scopes = self.refresh.get(value)
        if token is not None and (token.expires_ms or 0) > now_ms():
            return {"active": True, "client_id": SIM_CLIENT_ID, "token": value,
                    "token_type": "bearer", "token_use": "access_token"} | self._describe(token)
        if refresh_scopes is not None:
            return {"active": True, "client_id": SIM_CLIENT_ID, "token_use": "refresh_token",
                    "hub_id": PORTAL_ID, "user_id": USER_ID, "scopes": sorted(refresh_scopes)}
        return {"active": False}
