"""`tap-hubspot-qobra-connect`: install the HubSpot app on a portal and keep its refresh token.

The OAuth authorization-code flow on a local redirect: build the authorize URL, let the user
approve it in a browser, receive the redirect on a short-lived loopback listener, exchange the
code, check the granted scopes, then store the refresh token in a Meltano project's `.env` or
print it once (stdout) for a secrets manager. Everything else goes to stderr, and secrets never do.
"""

from __future__ import annotations

import argparse
import hmac
import math
import os
import secrets
import sys
import webbrowser
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tap_hubspot_qobra.connect_errors import RUNTIME_ERROR, USER_ERROR, ConnectError, redact
from tap_hubspot_qobra.connect_grant import summarize_grant, summary_lines
from tap_hubspot_qobra.connect_listener import CallbackListener, CallbackResult
from tap_hubspot_qobra.connect_oauth import (
    DEFAULT_API_URL,
    DEFAULT_AUTHORIZE_URL,
    TokenGrant,
    build_authorize_url,
    exchange_code,
    fetch_granted_scopes,
)
from tap_hubspot_qobra.connect_store import check_project, find_meltano, store_in_meltano

__all__ = ["build_authorize_url", "CallbackListener", "exchange_code", "summarize_grant", "main"]

CLIENT_ID_ENVS = ("HUBSPOT_CLIENT_ID", "TAP_HUBSPOT_QOBRA_CLIENT_ID")
CLIENT_SECRET_ENVS = ("HUBSPOT_CLIENT_SECRET", "TAP_HUBSPOT_QOBRA_CLIENT_SECRET")

OpenUrl = Callable[[str], object]


DEFAULT_PORT = 8899

def _parser() -> argparse.ArgumentParser:
    """The command line (see the README, "Connect a real portal")."""
    p = argparse.ArgumentParser(
        prog="tap-hubspot-qobra-connect",
        description="Install the HubSpot app on a portal (OAuth) and store its refresh token.",
    )
    p.add_argument("--client-id", help="app client id (env HUBSPOT_CLIENT_ID)")
    p.add_argument("--client-secret",
                   help="app client secret; prefer the env HUBSPOT_CLIENT_SECRET (shell history)")
    p.add_argument("--api-url", default=DEFAULT_API_URL,
                   help="HubSpot API base URL, for the token endpoint")
    p.add_argument("--authorize-url", default=DEFAULT_AUTHORIZE_URL, help="HubSpot authorize page")
    # HubSpot only redirects to URLs registered on the app, so the default port must be stable.
    p.add_argument("--port", type=_port, default=DEFAULT_PORT,
                   help=f"local callback port (default {DEFAULT_PORT}; 0 = any free port); the app "
                        "must have http://localhost:PORT/oauth-callback as a redirect URL")
    p.add_argument("--timeout", type=_positive, default=300.0,
                   help="seconds to wait for the browser's redirect (default 300)")
    p.add_argument("--store", choices=("meltano", "print"), default="print",
                   help="print: refresh token once on stdout; meltano: `meltano config set` into "
                        "the project's .env (default print)")
    p.add_argument("--meltano-project", type=Path, default=None, metavar="DIR",
                   help="Meltano project for --store meltano (default: current directory)")
    p.add_argument("--no-browser", action="store_true", help="only print the URL")
    return p


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be 0..65535")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def _from_env(flag: str | None, names: Sequence[str]) -> str | None:
    """The flag's value, else the first non-empty environment variable of `names`."""
    if flag:
        return flag
    return next((os.environ[n] for n in names if os.environ.get(n)), None)


def _err(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class _Flow:
    """One run of the install flow; `hidden` collects every secret seen, for redaction."""

    args: argparse.Namespace
    client_id: str
    client_secret: str
    open_url: OpenUrl | None
    hidden: list[str] = field(default_factory=list)

    def run(self) -> None:
        """Authorize, exchange, check, summarize, store."""
        project = None
        if self.args.store == "meltano":  # fail before the user approves anything
            project = check_project(self.args.meltano_project or Path.cwd())
            find_meltano()
        redirect_uri, code = self._authorize()
        grant = exchange_code(
            self.args.api_url, client_id=self.client_id, client_secret=self.client_secret,
            code=code, redirect_uri=redirect_uri,
        )
        self.hidden += [grant.access_token, grant.refresh_token]
        self._check_grant(grant)
        if project is not None:
            store_in_meltano(project, client_id=self.client_id,
                             client_secret=self.client_secret, refresh_token=grant.refresh_token)
            _err(f"Stored in the Meltano project {project}: client_id (meltano.yml), "
                 "client_secret and refresh_token (.env, not meltano.yml).")
        else:
            _err("Refresh token below, shown once (stdout): keep it in your secrets manager, "
                 "e.g. as TAP_HUBSPOT_QOBRA_REFRESH_TOKEN.")
            print(grant.refresh_token, flush=True)

    def _authorize(self) -> tuple[str, str]:
        """Send the user to HubSpot and wait for the redirect: (redirect URI, code)."""
        state = secrets.token_urlsafe(24)
        with CallbackListener(self.args.port, expected_state=state) as listener:
            redirect_uri = listener.redirect_uri
            url = build_authorize_url(
                self.args.authorize_url, client_id=self.client_id,
                redirect_uri=redirect_uri, state=state,
            )
            _err(f"Open this URL to install the app; waiting up to {self.args.timeout:g} s "
                 f"for the redirect to {redirect_uri}:")
            _err(url)
            self._open(url)
            result = listener.wait(self.args.timeout)
        if result.code:
            self.hidden.append(result.code)
        return redirect_uri, _code_of(result, state)

    def _open(self, url: str) -> None:
        """Hand the URL to the injected opener, else to a browser when there is one."""
        if self.open_url is not None:
            self.open_url(url)
        elif not self.args.no_browser and _browser_available():
            try:
                webbrowser.open(url, new=2)
            except webbrowser.Error:
                pass  # the URL is printed above; the user can open it by hand

    def _check_grant(self, grant: TokenGrant) -> None:
        """Read the granted scopes back, print what they unlock, refuse a partial grant."""
        scopes = grant.scopes
        if scopes is None:  # token responses before 2025-08 carried no `scopes`
            scopes = fetch_granted_scopes(self.args.api_url, grant.access_token)
        portal = f"portal {grant.hub_id}" if grant.hub_id is not None else "the portal"
        _err(f"Connected to HubSpot {portal}; granted scopes: {' '.join(sorted(scopes))}")
        for line in summary_lines(scopes):
            _err(line)
        missing = summarize_grant(scopes)[2]
        if missing:
            raise ConnectError(
                f"the grant lacks required scopes: {', '.join(missing)}; add them to the app's "
                "required scopes and install it on a portal whose plan has them"
            )


def _code_of(result: CallbackResult, state: str) -> str:
    """The authorization code of a callback, or the one-line reason there is none."""
    if result.error:
        detail = f"{result.error}: {result.error_description}" if result.error_description \
            else result.error
        if "scope" in (result.error_description or "").lower():
            raise ConnectError(f"HubSpot refused the install ({detail}); install the app on a "
                               "portal, and as a user, that has every required scope")
        if result.error == "access_denied":
            raise ConnectError(f"access was denied in HubSpot ({detail}); run the command again "
                               "and approve the app's install")
        raise ConnectError(f"HubSpot returned an error instead of a code ({detail})")
    # constant-time compare: the state is what ties this callback to this run (CSRF)
    if not result.state or not hmac.compare_digest(result.state.encode(), state.encode()):
        raise ConnectError("the callback's state does not match this run (a stale browser tab or "
                           "a forged request); run the command again and use the new URL")
    if not result.code:
        raise ConnectError("the callback carried no authorization code; run the command again")
    return result.code


def _browser_available() -> bool:
    """True when `webbrowser` would reach a graphical browser (not a console one that blocks)."""
    if os.environ.get("BROWSER") or sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def main(argv: Sequence[str] | None = None, *, open_url: OpenUrl | None = None) -> int:
    """Run the command; the exit code is 0, 2 (a user error) or 1 (anything else).

    `open_url`, when given, receives the authorize URL instead of the system browser (even with
    `--no-browser`): tests and embedding code follow the flow through it.
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse already wrote usage and a one-line reason
        return exc.code if isinstance(exc.code, int) else USER_ERROR
    client_id = _from_env(args.client_id, CLIENT_ID_ENVS)
    client_secret = _from_env(args.client_secret, CLIENT_SECRET_ENVS)
    if not client_id or not client_secret:
        which = "--client-id or HUBSPOT_CLIENT_ID" if not client_id \
            else "--client-secret or HUBSPOT_CLIENT_SECRET"
        _err(f"error: the app's credentials are incomplete: set {which}")
        return USER_ERROR
    flow = _Flow(args, client_id, client_secret, open_url, hidden=[client_secret])
    return _run_reporting(flow)


def _run_reporting(flow: _Flow) -> int:
    """Run the flow; any failure becomes one redacted line on stderr and an exit code."""
    try:
        flow.run()
    except ConnectError as exc:
        _err(f"error: {redact(str(exc), flow.hidden)}")
        return exc.exit_code
    except KeyboardInterrupt:
        _err("error: interrupted")
        return 130
    except Exception as exc:  # noqa: BLE001 - a last resort: one line, never a traceback
        _err(f"error: unexpected {type(exc).__name__}: "
             f"{redact(' '.join(str(exc).split()), flow.hidden)}")
        return RUNTIME_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
