"""The client's pure rules: what may leave the process, which budget a request uses, redaction."""

from __future__ import annotations

import pytest
import requests

from tap_hubspot_qobra.client import is_read_only, path_for_logs, read_only_session, request_kind
from tap_hubspot_qobra.errors import WriteRefusedError
from tap_hubspot_qobra.settings import check_settings, redact


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/crm/v3/objects/deals", True),
        ("GET", "/crm/v3/properties/0-3", True),
        ("POST", "/crm/v3/objects/deals/search", True),
        ("POST", "/crm/v3/objects/2-123/batch/read", True),
        ("POST", "/crm/v4/associations/deals/companies/batch/read", True),
        ("POST", "/oauth/v1/token", True),
        ("POST", "/oauth/v3/token/introspect", True),
        ("POST", "/crm/v3/objects/deals", False),  # create
        ("POST", "/crm/v3/objects/deals/batch/create", False),
        ("POST", "/crm/v3/objects/deals/batch/archive", False),
        ("POST", "/crm/v3/objects/deals/search/../batch/update", False),
        ("PATCH", "/crm/v3/objects/deals/1", False),
        ("PUT", "/crm/v4/objects/deals/1/associations/companies/2", False),
        ("DELETE", "/crm/v3/objects/deals/1", False),
        ("POST", "/oauth/v1/token/revoke", False),
    ],
)
def test_only_reads_are_allowed(method, path, allowed):
    assert is_read_only(method, path) is allowed


@pytest.mark.parametrize(
    ("method", "path", "kind"),
    [
        ("POST", "/crm/v3/objects/deals/search", "search"),
        ("GET", "/crm/v3/objects/deals", "general"),
        ("GET", "/crm/v3/owners", "general"),
        ("POST", "/crm/v3/objects/deals/batch/read", "general"),
        ("POST", "/crm/v4/associations/deals/contacts/batch/read", "assoc"),
        ("POST", "/oauth/v1/token", "oauth"),
    ],
)
def test_request_kinds(method, path, kind):
    assert request_kind(method, path) == kind


@pytest.mark.parametrize("method", ["POST", "PATCH", "PUT", "DELETE"])
def test_a_write_never_leaves_the_process(method):
    # Port 9 (discard) on loopback: if the guard let the request through, we would get a
    # connection error instead of the refusal.
    session = read_only_session(1)
    with pytest.raises(WriteRefusedError, match="never writes"):
        session.request(method, "http://127.0.0.1:9/crm/v3/objects/deals/1", json={}, timeout=1)


def test_a_read_goes_through_the_guard():
    session = read_only_session(1)
    with pytest.raises(requests.ConnectionError):
        session.get("http://127.0.0.1:9/crm/v3/objects/deals", timeout=1)


def test_token_in_path_is_masked():
    assert path_for_logs("/oauth/v1/access-tokens/CNv-secret-token") == "/oauth/v1/access-tokens/<token>"


def test_secrets_are_redacted_once_known():
    check_settings({"access_token": "pat-na1-very-secret", "client_secret": "shh-1234"})
    text = redact("failed with pat-na1-very-secret and shh-1234; Authorization: Bearer abc.def")
    assert "very-secret" not in text
    assert "shh-1234" not in text
    assert "abc.def" not in text


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"max_concurrency": 0}, "max_concurrency"),
        ({"rate_limit_per_10s": -5}, "rate_limit_per_10s"),
        ({"lookback_minutes": -1}, "lookback_minutes"),
        ({"start_date": "yesterday"}, "start_date"),
        ({"api_url": "ftp://x"}, "api_url"),
    ],
)
def test_bad_settings_get_one_line_errors(config, message):
    with pytest.raises(Exception, match=message) as caught:
        check_settings(config)
    assert "\n" not in str(caught.value)
