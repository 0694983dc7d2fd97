"""Fixtures: a simulator on a free port, and authenticated sessions against it."""

from __future__ import annotations

import pytest
import requests

from hubspot_simulator import SIM_PRIVATE_TOKEN, Simulator


@pytest.fixture
def make_sim(make_simulator):
    """The shared simulator factory (no rate limits), on a smaller portal by default."""

    def factory(**overrides) -> Simulator:
        return make_simulator(**{"scale": 0.5, **overrides})

    return factory


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
