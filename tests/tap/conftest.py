"""Tap-level fixtures: a config pointing at a simulator, fast (the tap's own pacing lifted)."""

from __future__ import annotations

from typing import Any

import pytest

FAST = {"search_rate_limit_per_second": 1000, "rate_limit_per_10s": 10000}


def tap_config(sim: Any, token: str | None = None, **settings: Any) -> dict:
    from hubspot_simulator import SIM_PRIVATE_TOKEN

    return {"api_url": sim.url, "access_token": token or SIM_PRIVATE_TOKEN, **FAST, **settings}


@pytest.fixture
def config_for():
    return tap_config
