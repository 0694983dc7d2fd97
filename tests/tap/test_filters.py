"""Custom querying: config filters sync exactly the matching records; bad filters stop before any data request."""

from __future__ import annotations

import pytest

from tap_hubspot_qobra.query import FilterError
from tap_hubspot_qobra.tap import TapHubspotQobra

from .conftest import tap_config
from .singer_run import run_tap, select_only




def test_the_seed_example_syncs_exactly_the_matching_deals(make_simulator):
    sim = make_simulator(scale=0.5)
    stages = sorted({r["properties"].get("dealstage") for r in sim.portal.live_records("deals")} - {None, ""})
    wanted = stages[:2]
    config = tap_config(sim, filters={"deals": [
        {"propertyName": "dealstage", "operator": "IN", "values": wanted},
    ]})
    catalog = select_only(TapHubspotQobra(config=config, parse_env_config=False).catalog_dict, {"deals"})
    first = run_tap(config, catalog=catalog)
    expected = {r["id"] for r in sim.portal.live_records("deals") if r["properties"].get("dealstage") in wanted}
    assert expected and set(first.ids("deals")) == expected
    assert {r["dealstage"] for r in first.records["deals"]} == set(wanted)

    moved_in = next(r["id"] for r in sim.portal.live_records("deals") if r["id"] not in expected)
    sim.portal.update("deals", moved_in, {"dealstage": wanted[0]})
    second = run_tap(config, state=first.final_state, catalog=catalog)
    assert moved_in in second.ids("deals")  # incremental runs apply the filter too
    assert set(second.ids("deals")) <= expected | {moved_in}


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"dealz": []}, "dealz"),
        ({"deals": [{"propertyName": "no_such_property", "operator": "EQ", "value": "x"}]}, "no_such_property"),
        ({"deals": [{"propertyName": "dealstage", "operator": "LIKE", "value": "x"}]}, "LIKE"),
        ({"deals": [{"propertyName": "dealstage", "operator": "IN", "value": "x"}]}, "values"),
        ({"deals": [{"propertyName": "amount", "operator": "BETWEEN", "value": "1"}]}, "highValue"),
        ({"deals": [{"propertyName": "dealstage", "operator": "EQ", "value": "x", "colour": 1}]}, "colour"),
        ({"deals": [{"propertyName": "amount", "operator": "GT", "value": "1"}] * 5}, "4"),
        ({"deals": {"propertyName": "amount"}}, "list"),
    ],
)
def test_bad_filters_fail_before_any_data_request(make_simulator, filters, message):
    sim = make_simulator(scale=0.1)
    searches = []
    sim.on_request(lambda info: searches.append(info.path) if info.kind == "search" else None)
    with pytest.raises(FilterError, match=message) as caught:
        run_tap(tap_config(sim, filters=filters))
    assert "\n" not in str(caught.value)
    assert searches == []
