"""Full reads activate a new table version at their very end; incremental runs never delete."""

from __future__ import annotations

import pytest

from .conftest import tap_config
from .singer_run import run_tap

MIRRORED = ("deals", "contacts", "owners", "tables", "fields")


@pytest.fixture(scope="module")
def runs(make_simulator_module):
    sim = make_simulator_module(scale=0.2)
    config = tap_config(sim)
    full = run_tap(config)
    incremental = run_tap(config, state=full.final_state)
    return full, incremental


@pytest.mark.parametrize("stream", MIRRORED)
def test_a_full_read_activates_its_version_after_its_last_record(runs, stream):
    full, _ = runs
    assert len(full.activations[stream]) == 1
    version = full.activations[stream][0]
    assert full.versions[stream] == {version}
    last_record = max(i for i, item in enumerate(full.order) if item == ("RECORD", stream))
    activation = full.order.index(("ACTIVATE_VERSION", stream))
    assert activation > last_record


@pytest.mark.parametrize("stream", ["deals", "contacts", "projects"])
def test_incremental_runs_never_delete(runs, stream):
    _, incremental = runs
    assert incremental.activations[stream] == []
    assert incremental.versions[stream] <= {None}


def test_a_failed_full_read_activates_nothing(make_simulator):
    from tap_hubspot_qobra.client import RetryPolicy

    sim = make_simulator(scale=0.2)
    sim.fail_next(2, kind="500", path_contains="/contacts/search")

    def impatient(tap) -> None:
        tap.client.retry = RetryPolicy(max_tries=2, base_delay=0)

    with pytest.raises(Exception, match="500") as caught:
        run_tap(tap_config(sim), prepare=impatient)
    assert "contacts" not in caught.value.partial_result.activations
