"""HTTP layer: routing, auth + rate limits + latency + faults around the endpoint handlers."""

from __future__ import annotations

import re
import socket
import struct
import sys
import time
import traceback
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Callable

import msgspec

from . import api
from .search import execute, parse_query, response
from .util import ApiError, error_body, now_ms, validation_error

if TYPE_CHECKING:
    from .sim import Simulator

JSON = "application/json;charset=utf-8"
READ_POSTS = re.compile(r"^/crm/v3/objects/[^/]+/(search|batch/read)$|^/crm/v4/associations/[^/]+/[^/]+/batch/read$")


def search_endpoint(req: api.Request, type_name: str):
    obj = api.resolve(req, type_name)
    req.require(obj.read_scopes)
    portal, cfg = req.portal, req.config
    table = portal.tables[obj.name]
    query = parse_query(table, req.body)
    if cfg.churn_per_search:
        portal.churn(obj.name, cfg.churn_per_search)
    lag = cfg.index_lag_ms
    with portal.lock:
        total, page = execute(table, query, now_ms() - lag if lag and lag > 0 else None)
        body = response(table, query, total, page, cfg.omit_null_properties, req.base_url + req.path)
    return 200, body, {}


def oauth_token(req: api.Request):
    body = req.sim.auth.token(req.body if isinstance(req.body, dict) else {})
    req.sim.count("tokens_issued")
    if req.body.get("grant_type") == "refresh_token":
        req.sim.count("refreshes")
    return 200, body, {}


def oauth_authorize(req: api.Request):
    return 302, None, {"Location": req.sim.auth.authorize(req.query)}


def oauth_token_info(req: api.Request, token: str):
    return 200, req.sim.auth.token_info(urllib.parse.unquote(token)), {}


def oauth_introspect(req: api.Request):
    return 200, req.sim.auth.introspect(req.body if isinstance(req.body, dict) else {}), {}


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    kind: str
    fn: Callable


def _r(method: str, pattern: str, kind: str, fn: Callable) -> Route:
    return Route(method, re.compile(pattern), kind, fn)


ROUTES = (
    _r("POST", r"^/crm/v3/objects/([^/]+)/search$", "search", search_endpoint),
    _r("POST", r"^/crm/v3/objects/([^/]+)/batch/read$", "general", api.batch_read),
    _r("GET", r"^/crm/v3/objects/([^/]+)$", "general", api.list_objects),
    _r("GET", r"^/crm/v3/objects/([^/]+)/([^/]+)$", "general", api.get_object),
    _r("POST", r"^/crm/v4/associations/([^/]+)/([^/]+)/batch/read$", "assoc", api.assoc_batch),
    _r("GET", r"^/crm/v4/objects/([^/]+)/([^/]+)/associations/([^/]+)$", "general", api.assoc_record),
    _r("GET", r"^/crm/v3/properties/([^/]+)$", "general", api.properties),
    _r("GET", r"^/(?:crm-object-schemas|crm)/v3/schemas$", "general", api.schemas),
    _r("GET", r"^/crm/v3/owners/?$", "general", api.owners),
    _r("GET", r"^/crm/v3/owners/([^/]+)$", "general", api.owner),
    _r("GET", r"^/crm/v3/pipelines/([^/]+)$", "general", api.pipelines),
    _r("POST", r"^/oauth/v[13]/token$", "oauth", oauth_token),
    _r("GET", r"^/oauth/authorize$", "oauth", oauth_authorize),
    _r("GET", r"^/oauth/v1/access-tokens/([^/]+)$", "oauth", oauth_token_info),
    _r("POST", r"^/oauth/v3/token/introspect$", "oauth", oauth_introspect),
)


def match(method: str, path: str) -> tuple[Route | None, tuple[str, ...]]:
    for route in ROUTES:
        if route.method == method and (m := route.pattern.match(path)):
            return route, tuple(urllib.parse.unquote(g) for g in m.groups())
    return None, ()


def kind_of(path: str) -> str:
    if path.startswith("/oauth/"):
        return "oauth"
    if path.endswith("/search"):
        return "search"
    return "assoc" if path.startswith("/crm/v4/associations/") and path.endswith("/batch/read") else "general"


@dataclass
class RequestInfo:
    """What `Simulator.on_request` callbacks see."""

    method: str
    path: str
    kind: str
    body: object
    count: int
    query: dict


def parse_body(raw: bytes, content_type: str) -> object:
    if not raw:
        return {}
    if "application/x-www-form-urlencoded" in content_type:
        return dict(urllib.parse.parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        raise validation_error("Invalid input JSON: the request body could not be parsed.") from None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "HubSpotSimulator/1.0"
    sim: "Simulator"  # set on the subclass built per Simulator

    def log_message(self, format, *args):  # noqa: A002 - quiet
        pass

    def setup(self):
        super().setup()
        # Headers and body leave in two writes; without this, Nagle's algorithm holds the body
        # until the client's delayed ACK (40 ms), which would swamp every latency figure.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self):
        self.sim_dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def sim_dispatch(self):
        try:
            Dispatch(self.sim, self).run()
        except (ConnectionError, socket.timeout):
            self.close_connection = True
        except Exception:  # noqa: BLE001 - a simulator bug must still answer
            traceback.print_exc(file=sys.stderr)
            send(self, 500, msgspec.json.encode(error_body("internal simulator error", "INTERNAL_ERROR")), {})


def send(h: BaseHTTPRequestHandler, status: int, payload: bytes, headers: dict, ctype: str = JSON) -> None:
    h.send_response(status)
    h.send_header("Content-Type", ctype)
    h.send_header("Content-Length", str(len(payload)))
    for key, value in headers.items():
        h.send_header(key, value)
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(payload)


class Dispatch:
    """One request, start to end."""

    def __init__(self, sim: "Simulator", h: Handler):
        self.sim, self.h = sim, h
        split = urllib.parse.urlsplit(h.path)
        self.path = split.path
        self.query = dict(urllib.parse.parse_qsl(split.query, keep_blank_values=True))
        self.raw = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        self.route, self.groups = match(h.command, self.path)
        self.kind = self.route.kind if self.route else kind_of(self.path)

    def run(self) -> None:
        sim, cfg = self.sim, self.sim.config
        count = sim.count(self.kind)
        headers: dict[str, str] = {}
        try:
            body = parse_body(self.raw, self.h.headers.get("Content-Type", ""))
            sim.run_hooks(RequestInfo(self.h.command, self.path, self.kind, body, count, self.query))
            req = self._request(body)
            headers = self._admit(req)
            if cfg.latency_ms:
                time.sleep(cfg.latency_ms / 1000)
            fault = sim.pick_fault(self.path, self.kind)
            if fault and self._fault(fault, req):
                return
            status, out, extra = self.route.fn(req, *self.groups)
        except ApiError as err:
            sim.count_error(err)
            send(self.h, err.status, msgspec.json.encode(err.body), headers | err.headers)
            return
        payload = b"" if out is None else msgspec.json.encode(out)
        send(self.h, status, payload, headers | extra)

    def _request(self, body: object) -> api.Request:
        if len(self.h.path) > self.sim.config.max_url_length:
            raise ApiError(414, error_body("URI Too Long", "VALIDATION_ERROR"))
        req = api.Request(self.sim.portal, self.sim.config, self.h.command, self.path, self.query, body,
                          base_url=self.sim.url or "")
        req.sim = self.sim  # type: ignore[attr-defined]
        if self.route is None:
            if self.h.command not in ("GET", "HEAD") and not READ_POSTS.match(self.path):
                self.sim.count("writes_attempted")
                if self.path.startswith("/crm"):
                    raise api.method_not_allowed(req)
            raise ApiError(404, error_body(f"No route for {self.h.command} {self.path}", "OBJECT_NOT_FOUND"))
        return req

    def _admit(self, req: api.Request) -> dict[str, str]:
        if self.kind == "oauth":
            return {}
        req.token = self.sim.auth.authenticate(self.h.headers.get("Authorization"))
        return self.sim.limiter.admit(req.token.principal, self.kind, req.token.kind == "private")

    def _fault(self, fault: str, req: api.Request) -> bool:
        """Act out a fault; True when the request is finished (no normal answer)."""
        h, cfg = self.h, self.sim.config
        if fault == "timeout":
            time.sleep(cfg.timeout_fault_s)
            return False
        h.close_connection = fault in ("reset", "truncated")
        if fault == "reset":
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            h.connection.close()
        elif fault == "truncated":
            status, out, extra = self.route.fn(req, *self.groups)
            payload = msgspec.json.encode(out)
            h.send_response(status)
            h.send_header("Content-Type", JSON)
            h.send_header("Content-Length", str(len(payload)))
            h.end_headers()
            h.wfile.write(payload[: max(1, len(payload) // 2)])
            h.wfile.flush()
        elif fault == "html":
            page = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"
            send(h, 502, page, {}, ctype="text/html")
        else:
            status = int(fault)
            message = {500: "internal error", 502: "Bad Gateway", 503: "Service Unavailable",
                       504: "Gateway Timeout", 524: "A timeout occurred"}.get(status, "error")
            send(h, status, msgspec.json.encode(error_body(message, "INTERNAL_ERROR")), {})
        return True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 256
