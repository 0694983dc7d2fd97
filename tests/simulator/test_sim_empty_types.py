"""The object types with no records (leads, communications, notes, postal_mail): properties
listed, list and search empty, the other objects' data untouched."""

from __future__ import annotations

import pytest

from hubspot_simulator import Portal
from hubspot_simulator.empty_types import EMPTY_TYPES

NAMES = {"leads": "hs_lead_name", "communications": "hs_communication_body", "notes": "hs_note_body",
         "postal_mail": "hs_postal_mail_body"}
TYPE_IDS = {"leads": "0-136", "communications": "0-18", "notes": "0-46", "postal_mail": "0-116"}


def test_the_four_types_are_declared():
    assert {t.name: t.name_field for t in EMPTY_TYPES} == NAMES
    assert {t.name: t.type_id for t in EMPTY_TYPES} == TYPE_IDS


@pytest.mark.parametrize("name", sorted(NAMES))
def test_properties_listed_by_name_and_type_id(sim, http, name):
    for path_name in (name, TYPE_IDS[name]):
        r = http.get(f"{sim.url}/crm/v3/properties/{path_name}")
        assert r.status_code == 200, r.text
        props = {p["name"]: p for p in r.json()["results"]}
        assert set(props) == {"hs_object_id", "createdate", "hs_lastmodifieddate", NAMES[name]}
        assert props["hs_lastmodifieddate"]["type"] == "datetime"
        assert props[NAMES[name]]["type"] == "string"
        for p in props.values():
            assert {"name", "label", "type", "fieldType", "groupName", "description", "options"} <= set(p)
    assert http.get(f"{sim.url}/crm/v3/properties/{name}", params={"archived": "true"}).json() == {"results": []}


@pytest.mark.parametrize("name", sorted(NAMES))
def test_list_and_search_are_empty(sim, http, name):
    for path_name in (name, TYPE_IDS[name]):
        r = http.get(f"{sim.url}/crm/v3/objects/{path_name}", params={"limit": 100})
        assert r.status_code == 200 and r.json() == {"results": []}
        r = http.get(f"{sim.url}/crm/v3/objects/{path_name}", params={"archived": "true"})
        assert r.status_code == 200 and r.json() == {"results": []}
    url = f"{sim.url}/crm/v3/objects/{name}/search"
    r = http.post(url, json={})
    assert r.status_code == 200 and r.json() == {"total": 0, "results": []}
    keyset = {"filterGroups": [{"filters": [
        {"propertyName": "hs_lastmodifieddate", "operator": "BETWEEN", "value": "0", "highValue": "9999999999999"},
        {"propertyName": "hs_object_id", "operator": "GT", "value": "0"}]}],
        "sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        "properties": [NAMES[name]], "limit": 200}
    r = http.post(url, json=keyset)
    assert r.status_code == 200 and r.json() == {"total": 0, "results": []}
    r = http.post(f"{sim.url}/crm/v3/objects/{name}/batch/read", json={"inputs": [{"id": "1001"}]})
    assert r.status_code == 207 and r.json()["results"] == []


def test_scopes(make_sim, session_for):
    sim = make_sim()
    http = session_for(sim.make_private_token(["crm.objects.contacts.read"]))
    assert http.get(f"{sim.url}/crm/v3/properties/notes").status_code == 200
    assert http.get(f"{sim.url}/crm/v3/objects/postal_mail").status_code == 200
    r = http.get(f"{sim.url}/crm/v3/properties/leads")
    assert r.status_code == 403 and r.json()["category"] == "MISSING_SCOPES"
    leads = session_for(sim.make_private_token(["crm.objects.leads.read"]))
    assert leads.get(f"{sim.url}/crm/v3/objects/leads").status_code == 200
    assert leads.get(f"{sim.url}/crm/v3/objects/notes").status_code == 403


@pytest.mark.parametrize("scale", [0.01, 3])
def test_no_records_at_any_scale(scale):
    portal = Portal(seed=1, scale=scale)
    for name in NAMES:
        assert portal.table(name).ids == [] and portal.live_records(name) == []
    assert len(portal.table("deals").ids) == max(1, round(400 * scale))
