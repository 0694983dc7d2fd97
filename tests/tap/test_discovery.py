"""Discovery against the simulator: every contract stream, with the contract's catalog metadata."""

from __future__ import annotations

import pytest

from tap_hubspot_qobra.tables import SEED_TABLES
from tap_hubspot_qobra.tap import TapHubspotQobra

from .conftest import tap_config

CRM_STREAMS = {table.stream for table in SEED_TABLES} | {"projects", "partner_accounts"}
QOBRA_TYPES = {"amount", "number", "user", "string", "picklist", "bool", "date"}


@pytest.fixture(scope="module")
def catalog(make_simulator_module):
    sim = make_simulator_module(scale=0.2)
    return TapHubspotQobra(config=tap_config(sim), parse_env_config=False).catalog_dict


def entries(catalog: dict) -> dict[str, dict]:
    return {entry["tap_stream_id"]: entry for entry in catalog["streams"]}


def root_metadata(entry: dict) -> dict:
    return next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == [])


def property_metadata(entry: dict, name: str) -> dict:
    return next(m["metadata"] for m in entry["metadata"] if m["breadcrumb"] == ["properties", name])


def test_every_contract_stream_is_discovered(catalog):
    assert set(entries(catalog)) == CRM_STREAMS | {"owners", "tables", "fields"}


@pytest.mark.parametrize("table", SEED_TABLES, ids=lambda t: t.stream)
def test_stream_metadata_follows_the_contract(catalog, table):
    meta = root_metadata(entries(catalog)[table.stream])
    assert meta["hubspot-object-type"] == table.object_type_id
    assert meta["name-field"] == table.name_field
    assert meta.get("currency-field") == table.currency_field
    assert meta["jointures"] == list(table.jointures)
    assert meta["replication-key"] == table.last_modified


def test_custom_objects_carry_their_schema(catalog):
    meta = root_metadata(entries(catalog)["partner_accounts"])
    assert meta["hubspot-object-type"].startswith("2-")
    assert meta["name-field"] == "partner_name"


@pytest.mark.parametrize(
    ("stream", "field", "hubspot_type", "qobra_type"),
    [
        ("deals", "amount", "number", "amount"),
        ("deals", "hubspot_owner_id", "enumeration", "user"),
        ("deals", "dealstage", "enumeration", "picklist"),
        ("deals", "hs_is_closed_won", "bool", "bool"),
        ("deals", "closedate", "datetime", "date"),
        ("deals", "contract_start_date", "date", "date"),
        ("deals", "dealname", "string", "string"),
        ("deals", "hs_deal_score", "number", "number"),
        ("line_items", "price", "number", "amount"),
    ],
)
def test_property_metadata(catalog, stream, field, hubspot_type, qobra_type):
    meta = property_metadata(entries(catalog)[stream], field)
    assert meta["hubspot-type"] == hubspot_type
    assert meta["qobra-type"] == qobra_type
    assert meta["label"]
    assert meta["hubspot-field-type"]


def test_every_property_has_a_qobra_type(catalog):
    for stream in CRM_STREAMS:
        for item in entries(catalog)[stream]["metadata"]:
            if item["breadcrumb"] and "hubspot-type" in item["metadata"]:
                assert item["metadata"]["qobra-type"] in QOBRA_TYPES


@pytest.mark.parametrize(
    ("field", "json_type"),
    [("amount", "number"), ("hs_is_closed_won", "boolean"), ("dealname", "string"),
     ("companies", "array"), ("id", "string")],
)
def test_schemas_are_typed(catalog, field, json_type):
    schema = entries(catalog)["deals"]["schema"]["properties"][field]
    assert json_type in schema["type"]
