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
        ("POST", "/crm/v3/objects/deals%2Fbatch%2Fupdate/search", False),  # escapes a server may decode
        ("POST", "/crm/v3/objects/../objects/deals/search", False),
        ("POST", "/crm/v3/objects/deals/search/", False),
        ("HEAD", "/crm/v3/objects/deals", False),
        ("get", "/crm/v3/objects/deals", True),
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


# --- the retry loop and error mapping, against canned answers (no network, no sleeping) ---------

import json as _json  # noqa: E402

from tap_hubspot_qobra.client import HubSpotClient, RetryPolicy  # noqa: E402
from tap_hubspot_qobra.errors import (  # noqa: E402
    ApiAnswerError,
    AuthError,
    DailyLimitError,
    MissingScopesError,
    RetriesExhaustedError,
)
from tap_hubspot_qobra.ratelimit import RateLimits  # noqa: E402


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Script(requests.adapters.BaseAdapter):
    """Answers requests from a list of (status, body, headers), then 200 {} forever."""

    def __init__(self, answers) -> None:
        super().__init__()
        self.answers, self.sent = list(answers), []

    def send(self, request, **kwargs):
        self.sent.append((request.headers.get("Authorization"), kwargs.get("timeout")))
        status, body, headers = self.answers.pop(0) if self.answers else (200, {"ok": True}, {})
        response = requests.Response()
        response.status_code, response._content = status, _json.dumps(body).encode()
        response.headers.update(headers)
        response.request = request
        return response

    def close(self):
        pass


class Tokens:
    refreshable = True

    def __init__(self) -> None:
        self.current, self.expired_calls = "t1", []

    def token(self):
        return self.current

    def expired(self, token):
        self.expired_calls.append(token)
        self.current = "t2"


def scripted(answers, tries=4):
    clock = Clock()
    client = HubSpotClient("http://x.invalid", limits=RateLimits.from_config(5, 100, clock=clock, sleep=clock.sleep),
                           retry=RetryPolicy(max_tries=tries, base_delay=0), sleep=clock.sleep, clock=clock,
                           timeout=7)
    script = Script(answers)
    client._session.mount("http://", script)
    client.token_source = Tokens()
    return client, script, clock


def rl(policy):
    return {"status": "error", "message": "x", "policyName": policy, "category": "RATE_LIMITS"}


def test_secondly_429_is_paced_not_counted_as_a_fault():
    client, script, clock = scripted([(429, rl("SECONDLY"), {})] * 6, tries=2)
    assert client.post("/crm/v3/objects/deals/search", {}) == {"ok": True}
    assert len(script.sent) == 7 and client.limits.search.slow_downs >= 1 and clock.now > 0


def test_ten_secondly_429_waits_for_the_announced_interval():
    headers = {"X-HubSpot-RateLimit-Max": "100", "X-HubSpot-RateLimit-Remaining": "0",
               "X-HubSpot-RateLimit-Interval-Milliseconds": "10000"}
    client, script, clock = scripted([(429, rl("TEN_SECONDLY_ROLLING"), headers)])
    client.get("/crm/v3/owners")
    assert 9.0 < clock.now <= 10.5
    assert client.limits.general.max_requests == 80


def test_daily_429_is_not_retried():
    client, script, _ = scripted([(429, rl("DAILY"), {})])
    with pytest.raises(DailyLimitError, match="midnight"):
        client.get("/crm/v3/owners")
    assert len(script.sent) == 1


def test_expired_token_is_refreshed_once_and_retried():
    body = {"category": "EXPIRED_AUTHENTICATION", "message": "expired"}
    client, script, _ = scripted([(401, body, {})])
    client.get("/crm/v3/owners")
    assert client.token_source.expired_calls == ["t1"]
    assert [auth for auth, _ in script.sent] == ["Bearer t1", "Bearer t2"]


def test_an_unproven_token_rejected_fails_at_once():
    client, script, _ = scripted([(401, {"category": "INVALID_AUTHENTICATION"}, {})])
    with pytest.raises(AuthError, match="reconnect"):
        client.get("/crm/v3/owners")
    assert len(script.sent) == 1


def test_a_client_error_is_not_retried_and_is_one_line():
    client, script, _ = scripted([(400, {"category": "VALIDATION_ERROR", "message": "bad\nfilter"}, {})])
    with pytest.raises(ApiAnswerError, match="VALIDATION_ERROR: bad filter") as caught:
        client.post("/crm/v3/objects/deals/search", {})
    assert len(script.sent) == 1 and caught.value.status == 400


def test_missing_scopes_names_the_scope():
    body = {"category": "MISSING_SCOPES", "errors": [{"context": {"requiredGranularScopes": ["e-commerce"]}}]}
    client, _, _ = scripted([(403, body, {})])
    with pytest.raises(MissingScopesError, match="e-commerce") as caught:
        client.get("/crm/v3/properties/line_items")
    assert caught.value.scopes == ("e-commerce",)


def test_transient_statuses_exhaust_into_one_line():
    client, script, _ = scripted([(503, {}, {})] * 10, tries=3)
    with pytest.raises(RetriesExhaustedError, match="HTTP 503.*after 3 tries") as caught:
        client.get("/crm/v3/owners")
    assert len(script.sent) == 3 and "\n" not in str(caught.value)


def test_the_configured_timeout_reaches_the_transport():
    client, script, _ = scripted([])
    client.get("/crm/v3/owners")
    assert script.sent[0][1] == (7, 7)
