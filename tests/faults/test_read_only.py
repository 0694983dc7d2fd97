"""Read-only by construction: no request other than a read can leave the process."""

from __future__ import annotations

import socket
import threading

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from tap_hubspot_qobra.client import is_read_only, read_only_session
from tap_hubspot_qobra.errors import WriteRefusedError
from tests.tap.singer_run import run_tap

from .conftest import catalog_for, fast

READ_POSTS = (
    "/crm/v3/objects/deals/search", "/crm/v3/objects/2-90001/batch/read",
    "/crm/v4/associations/deals/companies/batch/read", "/crm/v3/properties/deals/batch/read",
    "/oauth/v1/token", "/oauth/v3/token/introspect",
)
SEGMENT = st.sampled_from(
    ["crm", "v3", "v4", "objects", "deals", "search", "batch", "read", "create", "update", "archive",
     "upsert", "merge", "gdpr-delete", "associations", "oauth", "v1", "token", "revoke", "..", ".",
     "%2e%2e", "search%2f..", "", "introspect", "properties", "owners"]
)
METHODS = st.sampled_from(["POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT", "post", "Delete"])


class Listener:
    """A local socket that records whether any byte reached it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()


@pytest.fixture(scope="module")
def listener():
    server = Listener()
    yield server
    server.sock.close()


@settings(max_examples=300, deadline=None)
@given(method=METHODS, segments=st.lists(SEGMENT, min_size=1, max_size=7))
def test_no_write_ever_leaves_the_process(listener, method, segments):
    path = "/" + "/".join(segments)
    if method.upper() == "POST" and path in READ_POSTS:
        return
    session = read_only_session(1)
    url = f"http://127.0.0.1:{listener.port}{path}"
    before = listener.connections
    try:
        session.request(method, url, json={"inputs": []}, timeout=2)
    except WriteRefusedError as exc:
        assert "never writes" in str(exc)
    except requests.RequestException:
        assert is_read_only(method, requests.Request(method, url).prepare().path_url.split("?")[0])
        return
    else:  # pragma: no cover - the listener never answers HTTP
        pytest.fail("a request got an answer")
    assert listener.connections == before, f"{method} {path} reached the network"


@pytest.mark.parametrize("path", READ_POSTS)
def test_read_posts_do_go_out(listener, path):
    before = listener.connections
    with pytest.raises(requests.ConnectionError):
        read_only_session(1).post(f"http://127.0.0.1:{listener.port}{path}", json={}, timeout=2)
    assert listener.connections == before + 1


def test_a_whole_sync_sends_only_reads(healthy):
    sim, config = healthy
    catalog = catalog_for(config)
    seen = []
    sim.on_request(lambda info: seen.append((info.method, info.path)))
    run_tap(config, catalog=catalog, prepare=fast())
    assert seen and all(is_read_only(method, path) for method, path in seen)
    assert {method for method, _ in seen} <= {"GET", "POST"}
    assert sim.stats["writes_attempted"] == 0
