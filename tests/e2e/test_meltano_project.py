"""meltano.yml itself: plugins, settings, job and schedules (no pipeline run, no database)."""

from __future__ import annotations

import json

TAP_SETTINGS = {
    "api_url": "https://api.hubapi.com",
    "client_id": None,
    "client_secret": None,
    "refresh_token": None,
    "access_token": None,
    "start_date": None,
    "lookback_minutes": 30,
    "filters": None,
    "max_concurrency": 4,
    "rate_limit_per_10s": 100,
    "search_rate_limit_per_second": 5,
    "request_timeout_seconds": 60,
}


def test_schedules_and_job(meltano_run) -> None:
    out = json.loads(meltano_run(["schedule", "list", "--format", "json"]).stdout)
    schedules = {s["name"]: s for s in out["schedules"]["job"]}
    assert set(schedules) == {"nightly-full-refresh", "incremental-every-2h"}
    nightly, every_2h = schedules["nightly-full-refresh"], schedules["incremental-every-2h"]
    assert nightly["interval"] == "0 2 * * *"
    assert nightly["env"] == {"MELTANO_RUN_FULL_REFRESH": "true"}
    assert every_2h["interval"] == "0 */2 * * *"
    assert every_2h["env"] == {}
    for schedule in schedules.values():
        assert schedule["job"] == {"name": "hubspot-to-postgres",
                                   "tasks": ["tap-hubspot-qobra target-postgres"]}


def test_tap_settings_defaults_and_secrets(meltano_run) -> None:
    # `config list` with no credentials set prints every setting with its env var and value;
    # the JSON config that meltano would hand the tap shows the defaults.
    listed = meltano_run(["config", "list", "tap-hubspot-qobra", "--all"]).stdout
    for name in TAP_SETTINGS:
        assert f"TAP_HUBSPOT_QOBRA_{name.upper()}" in listed, name
    printed = json.loads(meltano_run(["config", "print", "tap-hubspot-qobra"],
                                     {"TAP_HUBSPOT_QOBRA_ACCESS_TOKEN": "pat-secret-xyz"}).stdout)
    for name, default in TAP_SETTINGS.items():
        if default is not None:
            assert printed.get(name) == default, (name, printed.get(name))
    # sensitive settings are redacted by meltano's safe mode
    assert printed.get("access_token") != "pat-secret-xyz"
