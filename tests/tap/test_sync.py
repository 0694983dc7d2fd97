"""A full sync against the simulator: every record of every table, typed, with its jointures."""

from __future__ import annotations

import pytest

from tap_hubspot_qobra.tables import OPTIONAL_SCOPES, REQUIRED_SCOPES
from tap_hubspot_qobra.errors import ConfigError
from tap_hubspot_qobra.tap import TapHubspotQobra

from .conftest import tap_config
from .singer_run import run_tap, select_only

OBJECT_TYPES = {
    "deals": "deals", "companies": "companies", "line_items": "line_items", "meetings": "meetings",
    "calls": "calls", "emails": "emails", "tasks": "tasks", "contacts": "contacts",
    "goals": "goal_targets",
}


@pytest.fixture(scope="module")
def synced(make_simulator_module):
    sim = make_simulator_module(scale=0.5)
    return sim, run_tap(tap_config(sim))


def custom_object_types(sim) -> dict[str, str]:
    return {schema["name"].lower(): schema["objectTypeId"] for schema in sim.portal.schemas()}


def test_every_record_of_every_table_once(synced):
    sim, result = synced
    for stream, object_type in {**OBJECT_TYPES, **custom_object_types(sim)}.items():
        expected = sorted(record["id"] for record in sim.portal.live_records(object_type))
        assert sorted(result.ids(stream)) == expected, stream
    assert sorted(result.ids("owners")) == sorted(owner["id"] for owner in sim.portal.owners())


def test_values_are_typed_from_strings(synced):
    sim, result = synced
    live = {record["id"]: record["properties"] for record in sim.portal.live_records("deals")}
    checked = 0
    for record in result.records["deals"]:
        raw = live[record["id"]]
        if raw.get("hs_is_closed_won") in ("true", "false"):
            assert record["hs_is_closed_won"] is (raw["hs_is_closed_won"] == "true")
            checked += 1
        if raw.get("amount"):
            assert record["amount"] == pytest.approx(float(raw["amount"]))
        if raw.get("contract_start_date"):
            assert record["contract_start_date"] == raw["contract_start_date"][:10]
        if raw.get("dealname") == "":
            assert record["dealname"] is None
    assert checked > 10


def test_jointures_equal_the_associations(synced):
    sim, result = synced
    for stream, jointures in {"deals": ("companies", "contacts"), "contacts": ("companies", "meetings"),
                              "line_items": ("deals",), "meetings": ("companies", "deals")}.items():
        object_type = OBJECT_TYPES[stream]
        for record in result.records[stream]:
            for jointure in jointures:
                expected = sim.portal.associations(object_type, record["id"], OBJECT_TYPES[jointure])
                assert record[jointure] == expected, (stream, record["id"], jointure)


def test_per_input_association_paging_is_followed(synced):
    sim, result = synced
    longest = max(len(record["contacts"]) for record in result.records["deals"])
    assert longest > sim.config.assoc_page_size


def test_fields_and_tables_describe_the_data(synced):
    _, result = synced
    fields = {(row["stream"], row["name"]): row for row in result.records["fields"]}
    assert fields[("deals", "amount")]["qobra_type"] == "amount"
    assert fields[("deals", "dealname")]["is_name_field"] is True
    assert fields[("deals", "deal_currency_code")]["is_currency_field"] is True
    assert {"value": "USD", "label": "US Dollar"} in fields[("deals", "deal_currency_code")]["options"] or \
        fields[("deals", "deal_currency_code")]["options"]
    tables = {row["stream"]: row for row in result.records["tables"]}
    assert tables["deals"]["jointures"] == ["companies", "contacts"]
    assert tables["line_items"]["currency_field"] == "hs_line_item_currency_code"


def test_each_table_leaves_the_run_start_as_bookmark(synced):
    _, result = synced
    for stream in OBJECT_TYPES:
        bookmark = result.bookmark(stream)
        assert bookmark is not None and bookmark.endswith("Z"), stream


def test_only_selected_properties_are_requested(make_simulator):
    sim = make_simulator(scale=0.1)
    config = tap_config(sim, start_date="2000-01-01T00:00:00Z")  # time windows: all by search
    catalog = select_only(TapHubspotQobra(config=config, parse_env_config=False).catalog_dict, {"deals"})
    deals = next(entry for entry in catalog["streams"] if entry["tap_stream_id"] == "deals")
    for item in deals["metadata"]:
        if item["breadcrumb"] == ["properties", "description"]:
            item["metadata"]["selected"] = False
    bodies = []
    sim.on_request(lambda info: bodies.append(info.body) if info.kind == "search" else None)
    result = run_tap(config, catalog=catalog)
    assert set(result.records) == {"deals"}
    page_bodies = [body for body in bodies if body.get("limit") == 200]
    assert page_bodies and all("description" not in body["properties"] for body in page_bodies)
    assert "description" not in result.records["deals"][0]


def test_missing_optional_scopes_skip_tables(make_simulator, caplog):
    sim = make_simulator(scale=0.1)
    token = sim.make_private_token(REQUIRED_SCOPES)
    tap = TapHubspotQobra(config=tap_config(sim, token), parse_env_config=False)
    streams = set(tap.streams)
    assert {"line_items", "goals", "projects", "partner_accounts"}.isdisjoint(streams)
    assert {"deals", "contacts", "owners"} <= streams
    assert "e-commerce" in caplog.text and "crm.objects.goals.read" in caplog.text


def test_missing_required_scope_is_a_clear_error(make_simulator):
    sim = make_simulator(scale=0.1)
    scopes = [scope for scope in (*REQUIRED_SCOPES, *OPTIONAL_SCOPES) if scope != "crm.objects.deals.read"]
    token = sim.make_refresh_token(scopes)
    from hubspot_simulator import SIM_CLIENT_ID, SIM_CLIENT_SECRET

    config = {"api_url": sim.url, "client_id": SIM_CLIENT_ID, "client_secret": SIM_CLIENT_SECRET,
              "refresh_token": token}
    with pytest.raises(ConfigError, match="crm.objects.deals.read") as caught:
        TapHubspotQobra(config=config, parse_env_config=False).streams  # noqa: B018
    assert token not in str(caught.value)


def test_tables_and_fields_describe_only_what_is_synced(make_simulator):
    sim = make_simulator(scale=0.1)
    config = tap_config(sim)
    catalog = select_only(TapHubspotQobra(config=config, parse_env_config=False).catalog_dict,
                          {"deals", "tables", "fields"})
    deals = next(entry for entry in catalog["streams"] if entry["tap_stream_id"] == "deals")
    for item in deals["metadata"]:
        if item["breadcrumb"] == ["properties", "description"]:
            item["metadata"]["selected"] = False
    result = run_tap(config, catalog=catalog)
    assert [row["stream"] for row in result.records["tables"]] == ["deals"]
    described = {(row["stream"], row["name"]) for row in result.records["fields"]}
    assert ("deals", "amount") in described
    assert ("deals", "description") not in described
    assert {stream for stream, _ in described} == {"deals"}
