"""Property-based: whatever HubSpot puts in a record's fields, the stream turns it into a row (bad
values become null and are counted for one warning) instead of crashing the run."""

from __future__ import annotations

import inspect

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubspot_simulator import SIM_PRIVATE_TOKEN
from tap_hubspot_qobra.tap import TapHubspotQobra
from tap_hubspot_qobra.typemap import coerce_properties

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**40, max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def to_record(stream, raw: dict) -> dict:
    """CRMStream._to_record, whichever of its two signatures the stream layer has."""
    jointures = tuple(stream.table.jointure_types)
    if len(inspect.signature(stream._to_record).parameters) == 3:
        return stream._to_record(raw, stream.table.fields, jointures)
    return stream._to_record(raw, jointures)


@pytest.fixture(scope="module")
def deals_stream(make_simulator_module):
    sim = make_simulator_module(scale=0.05)
    tap = TapHubspotQobra(config={"api_url": sim.url, "access_token": SIM_PRIVATE_TOKEN}, parse_env_config=False)
    return tap.streams["deals"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_property_values_give_a_row(deals_stream, data):
    fields = deals_stream.table.fields
    names = data.draw(st.lists(st.sampled_from(sorted(fields)), max_size=8, unique=True))
    properties = {name: data.draw(JSON) for name in names}
    properties["not_a_known_property"] = data.draw(JSON)
    raw = {"id": data.draw(st.integers(1, 10**12) | st.text(min_size=1, max_size=12)),
           "properties": properties, "createdAt": data.draw(JSON), "archived": data.draw(JSON)}
    record = to_record(deals_stream, raw)
    assert record["id"] == str(raw["id"])
    assert "not_a_known_property" not in record
    typed, bad = coerce_properties(fields, properties)
    for name in names:
        kind = fields[name].json_schema["type"][0]
        value = typed[name]
        assert value is None or (kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool)) \
            or (kind == "boolean" and isinstance(value, bool)) or (kind == "string" and isinstance(value, str)), (name, value)
        if name in bad:
            assert value is None
