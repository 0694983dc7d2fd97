"""tap-hubspot-qobra-connect, the pure parts: authorize URL, grant summary, callback listener."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tap_hubspot_qobra.connect import _code_of, build_authorize_url, summarize_grant
from tap_hubspot_qobra.connect_errors import ConnectError
from tap_hubspot_qobra.connect_grant import CUSTOM_OBJECTS, summary_lines, unlock_hint
from tap_hubspot_qobra.connect_listener import CallbackListener, CallbackResult
from tap_hubspot_qobra.tables import OPTIONAL_SCOPES, REQUIRED_SCOPES

REPO = Path(__file__).resolve().parents[1]
WAIT = 20.0  # upper bound on any wait in these tests; they finish long before it

ALWAYS_ON = ("deals", "companies", "meetings", "calls", "emails", "tasks", "contacts", "owners")
CONNECT_ENVS = ("HUBSPOT_CLIENT_ID", "HUBSPOT_CLIENT_SECRET",
                "TAP_HUBSPOT_QOBRA_CLIENT_ID", "TAP_HUBSPOT_QOBRA_CLIENT_SECRET")


# ---------------------------------------------------------------- build_authorize_url


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def test_authorize_url_carries_scopes_state_and_redirect() -> None:
    url = build_authorize_url(
        "https://app.hubspot.com/oauth/authorize", client_id="cid",
        redirect_uri="http://localhost:8765/oauth-callback", state="s-123",
    )
    assert url.startswith("https://app.hubspot.com/oauth/authorize?")
    q = _query(url)
    assert q["client_id"] == ["cid"]
    assert q["redirect_uri"] == ["http://localhost:8765/oauth-callback"]
    assert q["state"] == ["s-123"]
    assert q["scope"] == [" ".join(REQUIRED_SCOPES)]
    assert q["optional_scope"] == [" ".join(OPTIONAL_SCOPES)]
    assert set(q["optional_scope"][0].split()) == {
        "crm.objects.custom.read", "crm.schemas.custom.read",
        "crm.objects.goals.read", "e-commerce",
    }
    assert "+" not in urlsplit(url).query  # spaces travel as %20


def test_authorize_url_appends_to_an_existing_query_and_can_drop_optional() -> None:
    url = build_authorize_url("http://sim/oauth/authorize?x=1", client_id="c",
                              redirect_uri="http://localhost:1/oauth-callback", state="s",
                              scopes=("a", "b"), optional_scopes=())
    q = _query(url)
    assert q["x"] == ["1"] and q["scope"] == ["a b"] and "optional_scope" not in q


# ---------------------------------------------------------------- summarize_grant

REQ = tuple(REQUIRED_SCOPES)


@pytest.mark.parametrize(
    ("granted", "unlocked", "off", "missing"),
    [
        pytest.param(REQ, ALWAYS_ON, ("line_items", "goals", CUSTOM_OBJECTS), (),
                     id="required-only"),
        pytest.param(REQ + tuple(OPTIONAL_SCOPES),
                     ("deals", "companies", "line_items", "meetings", "calls", "emails", "tasks",
                      "contacts", "goals", "owners", CUSTOM_OBJECTS), (), (), id="everything"),
        pytest.param(REQ + ("e-commerce",), None, ("goals", CUSTOM_OBJECTS), (), id="e-commerce"),
        pytest.param(REQ + ("crm.objects.line_items.read",), None, ("goals", CUSTOM_OBJECTS), (),
                     id="line-items-alias"),
        pytest.param(REQ + ("crm.objects.goals.read",), None, ("line_items", CUSTOM_OBJECTS), (),
                     id="goals"),
        pytest.param(REQ + ("crm.objects.custom.read",), None,
                     ("line_items", "goals", CUSTOM_OBJECTS), (), id="custom-without-schemas"),
        pytest.param(REQ + ("crm.objects.custom.read", "crm.schemas.custom.read"), None,
                     ("line_items", "goals"), (), id="custom"),
        pytest.param(tuple(s for s in REQ if s != "crm.objects.deals.read"),
                     tuple(t for t in ALWAYS_ON if t != "deals"),
                     ("line_items", "goals", CUSTOM_OBJECTS), ("crm.objects.deals.read",),
                     id="no-deals"),
        pytest.param(tuple(s for s in REQ if s != "crm.objects.contacts.read")
                     + ("crm.objects.meetings.read",),
                     ("deals", "companies", "meetings", "owners"),
                     ("line_items", "goals", CUSTOM_OBJECTS), ("crm.objects.contacts.read",),
                     id="no-contacts-but-meetings"),
        pytest.param((), (), ("line_items", "goals", CUSTOM_OBJECTS), REQ, id="nothing"),
    ],
)
def test_summarize_grant(granted, unlocked, off, missing) -> None:
    got_unlocked, got_off, got_missing = summarize_grant(granted)
    if unlocked is not None:
        assert got_unlocked == unlocked
    assert not set(got_unlocked) & set(got_off)
    assert got_off == off
    assert got_missing == missing


def test_unlock_hints_and_summary_lines() -> None:
    assert unlock_hint("line_items") == "e-commerce"
    assert unlock_hint("goals") == "crm.objects.goals.read"
    assert unlock_hint(CUSTOM_OBJECTS) == "crm.objects.custom.read + crm.schemas.custom.read"
    lines = summary_lines(REQ + ("e-commerce",))
    assert lines[0] == "Tables unlocked: " + ", ".join(
        ("deals", "companies", "line_items", "meetings", "calls", "emails", "tasks", "contacts",
         "owners"))
    assert lines[1] == ("Optional tables off: goals (needs crm.objects.goals.read), custom objects "
                        "(needs crm.objects.custom.read + crm.schemas.custom.read)")


# ---------------------------------------------------------------- CallbackListener


def test_listener_returns_the_callback_and_ignores_other_paths(capfd) -> None:
    with CallbackListener(0, expected_state="st") as listener:
        base = listener.redirect_uri.rsplit("/", 1)[0]
        assert requests.get(base + "/favicon.ico", timeout=WAIT).status_code == 404
        page = requests.get(listener.redirect_uri, params={"code": "c0de-secret", "state": "st"},
                            timeout=WAIT)
        assert page.status_code == 200 and "HubSpot connected" in page.text
        result = listener.wait(WAIT)
        again = requests.get(listener.redirect_uri, params={"code": "other", "state": "st"},
                             timeout=WAIT)
        assert "Already handled" in again.text
    assert (result.code, result.state, result.error) == ("c0de-secret", "st", None)
    assert "c0de-secret" not in repr(result)
    assert "c0de-secret" not in capfd.readouterr().err  # no access log


def test_listener_times_out_with_one_line() -> None:
    with CallbackListener(0) as listener:
        with pytest.raises(ConnectError, match="timed out after 0.2 s"):
            listener.wait(0.2)


def test_listener_reports_a_busy_port() -> None:
    with CallbackListener(0) as first:
        with pytest.raises(ConnectError, match="choose another --port"):
            CallbackListener(first.port).__enter__()


@pytest.mark.parametrize(
    ("callback", "reason"),
    [
        (CallbackResult(error="access_denied", error_description="The user denied it.", state="st"),
         "access was denied in HubSpot (access_denied: The user denied it.)"),
        (CallbackResult(error="access_denied", state="st",
                        error_description="The portal lacks required scopes: crm.x.read"),
         "HubSpot refused the install (access_denied: The portal lacks required scopes: "
         "crm.x.read)"),
        (CallbackResult(error="server_error", state="st"),
         "HubSpot returned an error instead of a code (server_error)"),
        (CallbackResult(code="c", state="\u00e9t\u00e9"), "state does not match"),
        (CallbackResult(code="c"), "state does not match"),
        (CallbackResult(state="st"), "carried no authorization code"),
    ],
)
def test_callback_problems_are_one_line(callback: CallbackResult, reason: str) -> None:
    with pytest.raises(ConnectError, match=re.escape(reason)) as info:
        _code_of(callback, "st")
    assert "\n" not in str(info.value) and info.value.exit_code == 2
