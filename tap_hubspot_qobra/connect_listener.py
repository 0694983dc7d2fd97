"""The short-lived local HTTP listener that receives HubSpot's OAuth redirect."""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from tap_hubspot_qobra.connect_errors import ConnectError

CALLBACK_PATH = "/oauth-callback"
BIND_HOST = "127.0.0.1"  # loopback only: nothing outside this machine may deliver a code


@dataclass(frozen=True)
class CallbackResult:
    """What the redirect carried: a code, or an error, and the state either way."""

    code: str | None = field(default=None, repr=False)  # a secret until exchanged
    state: str | None = None
    error: str | None = None
    error_description: str | None = None


def parse_callback_query(query: str) -> CallbackResult:
    """The callback parameters of a redirect's query string (first value of each)."""
    params = parse_qs(query, keep_blank_values=True)

    def first(name: str) -> str | None:
        values = params.get(name)
        return values[0] if values else None

    return CallbackResult(
        code=first("code"),
        state=first("state"),
        error=first("error"),
        error_description=first("error_description"),
    )


def _page(title: str, text: str) -> bytes:
    """A minimal HTML page for the browser tab that followed the redirect."""
    body = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title></head><body style='font-family:sans-serif'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )
    return body.encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    """Answers the callback path once; anything else (favicon, probes) gets a 404."""

    server: _CallbackServer
    timeout = 10  # seconds; a browser's idle pre-connection must not hold a thread forever

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        url = urlsplit(self.path)
        if url.path != CALLBACK_PATH:
            self._answer(404, _page("Not found", "This listener only takes the OAuth callback."))
            return
        result = parse_callback_query(url.query)
        listener = self.server.listener
        first = listener._claim(result)
        self._answer(200, listener._page_for(result, first))
        if first:  # only now: the command may stop the listener as soon as it wakes up
            listener._wake()

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Silent: the default access log would write the authorization code to stderr."""


class _CallbackServer(ThreadingHTTPServer):
    daemon_threads = True  # a half-open browser connection must not keep the process alive

    def __init__(self, port: int, listener: CallbackListener) -> None:
        super().__init__((BIND_HOST, port), _Handler)
        self.listener = listener


class CallbackListener:
    """A local listener for one OAuth redirect, served from a background thread.

    Use as a context manager; `redirect_uri` is valid once entered, `wait()` returns the first
    callback (or raises `ConnectError` on timeout).
    """

    def __init__(self, port: int = 0, expected_state: str | None = None) -> None:
        self._port = port
        self._expected_state = expected_state
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._result: CallbackResult | None = None
        self._server: _CallbackServer | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> CallbackListener:
        try:
            self._server = _CallbackServer(self._port, self)
        except OSError as exc:
            raise ConnectError(
                f"cannot listen on {BIND_HOST}:{self._port} ({exc.strerror or exc}); "
                "choose another --port"
            ) from None
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
            name="oauth-callback", daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def port(self) -> int:
        """The port actually bound (a free one when asked for 0)."""
        assert self._server is not None, "enter the listener first"
        return int(self._server.server_address[1])

    @property
    def redirect_uri(self) -> str:
        """`http://localhost:<port>/oauth-callback`, as the app must have it registered."""
        return f"http://localhost:{self.port}{CALLBACK_PATH}"

    def wait(self, timeout: float) -> CallbackResult:
        """The first callback received within `timeout` seconds."""
        if not self._done.wait(timeout):
            raise ConnectError(
                f"timed out after {timeout:g} s waiting for HubSpot to redirect to "
                f"{self.redirect_uri}; run the command again and approve the app in the "
                "browser (or raise --timeout)"
            )
        assert self._result is not None
        return self._result

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _claim(self, result: CallbackResult) -> bool:
        """Keep the first callback only; True when this one was it."""
        with self._lock:
            if self._result is not None:
                return False
            self._result = result
            return True

    def _wake(self) -> None:
        """Release `wait()`: the first callback has been answered."""
        self._done.set()

    def _page_for(self, result: CallbackResult, first: bool) -> bytes:
        """The page shown in the browser tab; the terminal carries the details."""
        if not first:
            return _page("Already handled", "This sign-in was already received; see the terminal.")
        if result.error:
            return _page("Access not granted",
                         "HubSpot did not authorize the app; see the terminal.")
        if self._expected_state is not None and result.state != self._expected_state:
            return _page("Sign-in rejected", "The state did not match; see the terminal.")
        return _page("HubSpot connected", "You can close this tab and return to the terminal.")
