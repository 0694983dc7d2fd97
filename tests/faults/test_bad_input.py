"""Bad input: invalid config gets a one-line error before any request; malformed API answers get a
retry, a one-line error or a logged skip of the one bad value, never a crash that loses the run."""

from __future__ import annotations

import logging

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tap_hubspot_qobra.client import HubSpotClient, RetryPolicy
from tap_hubspot_qobra.errors import ConfigError, HubSpotError, RetriesExhaustedError
from tap_hubspot_qobra.query import FilterError
from tap_hubspot_qobra.ratelimit import RateLimits
from tap_hubspot_qobra.settings import check_settings
from tap_hubspot_qobra.tap import TapHubspotQobra

from .conftest import tap_config, FakeClock


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"api_url": "http://127.0.0.1:9"}, "no HubSpot credentials"),
        ({"api_url": "http://127.0.0.1:9", "client_id": "x", "refresh_token": "y"}, "client_secret"),
        ({"access_token": "t", "start_date": "2024-02-30"}, "start_date"),
        ({"access_token": "t", "start_date": "last tuesday"}, "start_date"),
        ({"access_token": "t", "max_concurrency": -3}, "max_concurrency"),
        ({"access_token": "t", "max_concurrency": True}, "max_concurrency"),
        ({"access_token": "t", "max_concurrency": 100000}, "at most"),
        ({"access_token": "t", "request_timeout_seconds": 0}, "request_timeout_seconds"),
        ({"access_token": "t", "lookback_minutes": -10}, "lookback_minutes"),
        ({"access_token": "t", "filters": ["deals"]}, "filters"),
    ],
)
def test_invalid_config_is_one_line_before_any_request(config, words):
    with pytest.raises(ConfigError) as caught:
        tap = TapHubspotQobra(config={"api_url": "http://127.0.0.1:9", **config}, parse_env_config=False,
                              validate_config=False)
        tap.client  # noqa: B018
    message = str(caught.value)
    assert words in message and "\n" not in message


def test_unknown_keys_in_filters_are_one_line(healthy):
    sim, _ = healthy
    config = tap_config(sim, filters={"deals": [{"propertyName": "amount", "operator": "GT", "value": "1",
                                                "colour": "red"}]})
    with pytest.raises(FilterError, match="colour") as caught:
        TapHubspotQobra(config=config, parse_env_config=False).streams  # noqa: B018
    assert "\n" not in str(caught.value)
    assert sim.stats["search"] == 0


class Canned(requests.adapters.BaseAdapter):
    """A transport that answers every request with the same bytes."""

    def __init__(self, status: int, content: bytes, headers: dict | None = None) -> None:
        super().__init__()
        self.status, self.content, self.headers, self.sent = status, content, headers or {}, 0

    def send(self, request, **kwargs):
        self.sent += 1
        response = requests.Response()
        response.status_code = self.status
        response._content = self.content
        response.headers.update({"Content-Type": "application/json", **self.headers})
        response.request, response.url = request, request.url
        return response

    def close(self):
        pass


def canned_client(adapter: Canned) -> HubSpotClient:
    clock = FakeClock()
    limits = RateLimits.from_config(1000, 1000, clock=clock, sleep=clock.sleep)
    client = HubSpotClient("http://hubspot.invalid", limits=limits, clock=clock, sleep=clock.sleep,
                           retry=RetryPolicy(max_tries=3, base_delay=0))
    client._session.mount("http://", adapter)
    return client


def test_non_utf8_bytes_are_replaced_with_a_warning(caplog):
    client = canned_client(Canned(200, b'{"results": [{"id": "1", "properties": {"name": "caf\xe9"}}]}'))
    with caplog.at_level(logging.WARNING):
        body = client.get("/crm/v3/objects/deals")
    assert body["results"][0]["properties"]["name"] == "caf\ufffd"
    assert "not valid UTF-8" in caplog.text


@pytest.mark.parametrize("content", [b"[1, 2]", b"<html>oops</html>", b'{"results": [', b"", b"null"])
def test_malformed_bodies_are_retried_then_fail_in_one_line(content):
    adapter = Canned(200, content)
    with pytest.raises(RetriesExhaustedError) as caught:
        canned_client(adapter).get("/crm/v3/objects/deals")
    assert adapter.sent == 3 and "\n" not in str(caught.value)


def test_huge_values_parse():
    big = b'{"total": 123456789012345678901234567890, "results": [{"id": "9", "properties": {"x": "' + b"a" * 1_000_000 + b'"}}]}'
    body = canned_client(Canned(200, big)).get("/crm/v3/objects/deals")
    assert body["total"] == 123456789012345678901234567890
    assert len(body["results"][0]["properties"]["x"]) == 1_000_000


@given(status=st.integers(min_value=400, max_value=599), content=st.binary(max_size=200))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_error_answer_ends_in_a_hubspot_error_or_a_retry(status, content):
    adapter = Canned(status, content)
    try:
        canned_client(adapter).get("/crm/v3/objects/deals")
    except HubSpotError as exc:
        assert "\n" not in str(exc) and len(str(exc)) < 800
    else:
        pytest.fail("an error status was taken for data")


def test_config_checks_reject_bad_types_directly():
    with pytest.raises(ConfigError, match="access_token"):
        check_settings({"access_token": 12345})
