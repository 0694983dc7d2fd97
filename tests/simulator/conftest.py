"""Fixtures: a simulator on a free port, and authenticated sessions against it."""

from __future__ import annotations

import pytest
import requests

from hubspot_simulator import SIM_PRIVATE_TOKEN, SimConfig, Simulator


def quiet_config(**overrides) -> SimConfig:
    """No rate limits (tests that test limits set their own)."""
    base = dict(seed=1, scale=0.5, search_per_second=None, per_10s=None)
    base.update(overrides)
    return SimConfig(**base)


@pytest.fixture
def make_sim():
    started: list[Simulator] = []

    def factory(**overrides) -> Simulator:
        sim = Simulator(quiet_config(**overrides)).start()
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop()


@pytest.fixture
def sim(make_sim) -> Simulator:
    return make_sim()


@pytest.fixture
def session_for():
    sessions: list[requests.Session] = []

    def factory(token: str | None = SIM_PRIVATE_TOKEN) -> requests.Session:
        s = requests.Session()
        if token:
            s.headers["Authorization"] = f"Bearer {token}"
        sessions.append(s)
        return s

    yield factory
    for s in sessions:
        s.close()


@pytest.fixture
def http(session_for) -> requests.Session:
    return session_for()
