"""`Simulator`: the portal served over HTTP in a background thread, plus test controls."""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Callable, Iterable

from .auth import AuthStore
from .config import SimConfig
from .limits import RateLimiter
from .portal import Portal
from .server import Handler, RequestInfo, Server
from .util import ApiError

COUNTER_KEYS = ("search", "general", "assoc", "oauth", "429_SECONDLY", "429_TEN_SECONDLY_ROLLING",
                "429_DAILY", "faults", "tokens_issued", "refreshes", "writes_attempted")


class Simulator:
    def __init__(self, config: SimConfig | None = None, portal: Portal | None = None):
        self.config = config or SimConfig()
        cfg = self.config
        self.portal = portal or Portal(cfg.seed, cfg.scale, cfg.tie_group_size, cfg.extra_properties,
                                       cfg.assoc_page_size)
        self.auth = AuthStore(cfg)
        self.limiter = RateLimiter(cfg)
        self._lock = threading.Lock()
        self._stats: Counter = Counter({k: 0 for k in COUNTER_KEYS})
        self._hooks: list[Callable[[RequestInfo], None]] = []
        self._scripted: list[list] = []  # [remaining, kind, path_contains]
        self._fault_rng = random.Random(f"{cfg.seed}:faults")
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self.url: str | None = None

    # ----- lifecycle -----
    def start(self, host: str = "127.0.0.1", port: int = 0) -> "Simulator":
        handler = type("SimHandler", (Handler,), {"sim": self})
        self._server = Server((host, port), handler)
        self.url = f"http://{host}:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="hubspot-simulator",
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> "Simulator":
        return self if self._server is not None else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ----- stats -----
    @property
    def stats(self) -> dict:
        with self._lock:
            return dict(self._stats)

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = Counter({k: 0 for k in COUNTER_KEYS})

    def count(self, key: str, n: int = 1) -> int:
        with self._lock:
            self._stats[key] += n
            return self._stats[key]

    def count_error(self, err: ApiError) -> None:
        policy = err.body.get("policyName") if err.status == 429 else None
        with self._lock:
            self._stats[f"http_{err.status}"] += 1
            if policy:
                self._stats[f"429_{policy}"] += 1

    # ----- hooks and faults -----
    def on_request(self, callback: Callable[[RequestInfo], None]) -> None:
        with self._lock:
            self._hooks.append(callback)

    def clear_hooks(self) -> None:
        with self._lock:
            self._hooks.clear()

    def run_hooks(self, info: RequestInfo) -> None:
        with self._lock:
            hooks = list(self._hooks)
        for hook in hooks:
            hook(info)

    def fail_next(self, n: int, kind: str = "500", path_contains: str = "") -> None:
        with self._lock:
            self._scripted.append([n, str(kind), path_contains])

    def pick_fault(self, path: str, request_kind: str) -> str | None:
        cfg = self.config
        with self._lock:
            for entry in self._scripted:
                if entry[0] > 0 and entry[2] in path:
                    entry[0] -= 1
                    self._stats["faults"] += 1
                    return entry[1]
            if cfg.fault_rate <= 0 or (request_kind == "oauth" and not cfg.fault_oauth):
                return None
            if self._fault_rng.random() >= cfg.fault_rate or not cfg.fault_kinds:
                return None
            self._stats["faults"] += 1
            return self._fault_rng.choice(tuple(cfg.fault_kinds))

    # ----- credentials -----
    def make_private_token(self, scopes: Iterable[str]) -> str:
        return self.auth.make_private_token(scopes)

    def make_refresh_token(self, scopes: Iterable[str]) -> str:
        return self.auth.make_refresh_token(scopes)

    def revoke(self, token: str) -> None:
        self.auth.revoke(token)
