"""Secrets (client secret, refresh token, every access token) never reach logs, errors, state or
Singer output, even when requests fail and are logged, and in the tap's last stderr line."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

from hubspot_simulator import SIM_CLIENT_SECRET
from tap_hubspot_qobra.errors import HubSpotError
from tap_hubspot_qobra.settings import check_settings, redact
from tests.tap.singer_run import run_tap

from .conftest import catalog_for, fast, oauth_config, output_text

STREAMS = ("deals", "contacts", "owners")


def record_issued_tokens(sim) -> list[str]:
    issued: list[str] = []
    original = sim.auth._issue

    def issue(refresh_token, scopes):
        answer = original(refresh_token, scopes)
        issued.append(answer["access_token"])
        return answer

    sim.auth._issue = issue
    return issued


def test_no_secret_in_logs_errors_state_or_output(make_simulator, caplog):
    sim = make_simulator(scale=0.2, token_ttl_s=1, fault_oauth=True)
    refresh_token = sim.make_refresh_token(sorted(sim.config.scopes()))
    config = oauth_config(sim, refresh_token=refresh_token)
    issued = record_issued_tokens(sim)
    caplog.set_level(logging.DEBUG)  # urllib3 logs every URL, the SDK its details
    catalog = catalog_for(config, STREAMS)
    sim.config.latency_ms = 20
    sim.config.fault_rate = 0.1
    first = run_tap(config, catalog=catalog, prepare=fast(max_tries=20))
    sim.config.fault_rate = 0
    sim.fail_next(1000, "502", path_contains="/contacts/search")
    with pytest.raises(HubSpotError) as caught:
        run_tap(config, state=first.final_state, catalog=catalog, prepare=fast(max_tries=3))
    logging.getLogger("tap_hubspot_qobra").warning("token echo: %s / Bearer %s", refresh_token, issued[-1])
    texts = {
        "logs": caplog.text + "".join(str(r.exc_text or "") for r in caplog.records),
        "error": str(caught.value),
        "output": output_text(first) + output_text(caught.value.partial_result),
    }
    assert len(issued) >= 2 and sim.stats["faults"] > 0
    secrets = {SIM_CLIENT_SECRET, refresh_token, *issued}
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {where}"
    assert "token echo: ***" in caplog.text


def test_the_token_info_url_is_redacted_from_debug_logs(make_simulator, caplog):
    sim = make_simulator(scale=0.1)
    config = oauth_config(sim)
    issued = record_issued_tokens(sim)
    caplog.set_level(logging.DEBUG)
    from tap_hubspot_qobra.auth import granted_scopes
    from tap_hubspot_qobra.tap import TapHubspotQobra

    tap = TapHubspotQobra(config=config, parse_env_config=False)
    tap.client.token_source.granted_scopes = None  # force the token-info call (token in its path)
    assert granted_scopes(tap.client, tap.client.token_source)
    assert "/access-tokens/" in caplog.text
    assert issued and all(token not in caplog.text for token in issued)


def test_redact_masks_token_shapes():
    check_settings({"client_secret": "cs-abcdef"})
    text = redact("refresh_token=r-123&client_secret=cs-abcdef Authorization: Bearer xyz /access-tokens/abc")
    assert "r-123" not in text and "cs-abcdef" not in text and "xyz" not in text and "abc " not in text + " "


def test_the_cli_failure_is_one_secret_free_line(make_simulator, tmp_path):
    sim = make_simulator(scale=0.1)
    config = oauth_config(sim, refresh_token="sim-rt-revoked-long-ago")
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    done = subprocess.run([sys.executable, "-m", "tap_hubspot_qobra", "--config", str(path), "--discover"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("tap-hubspot-qobra: ") and "reconnect" in last
    for secret in ("sim-rt-revoked-long-ago", SIM_CLIENT_SECRET):
        assert secret not in done.stderr and secret not in done.stdout
