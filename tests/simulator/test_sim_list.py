"""List, read one, batch read, metadata endpoints."""

from __future__ import annotations

from collections import Counter

from hubspot_simulator.util import parse_time


def list_all(http, url, object_type, **params):
    ids, after = [], None
    while True:
        query = dict(params, limit=100, **({"after": after} if after else {}))
        r = http.get(f"{url}/crm/v3/objects/{object_type}", params=query)
        assert r.status_code == 200, r.text
        ids += [rec["id"] for rec in r.json()["results"]]
        after = r.json().get("paging", {}).get("next", {}).get("after")
        if not after:
            return ids


def test_list_paging_covers_every_record_exactly_once(sim, http):
    for object_type in ("deals", "contacts", "2-90001"):
        ids = list_all(http, sim.url, object_type)
        expected = [r["id"] for r in sim.portal.live_records(object_type)]
        assert Counter(ids) == Counter(expected)
        assert len(ids) == len(set(ids)) == len(expected) > 50


def test_list_cursor_is_stable_when_records_change(sim, http):
    r = http.get(f"{sim.url}/crm/v3/objects/deals", params={"limit": 5})
    first = [x["id"] for x in r.json()["results"]]
    sim.portal.update("deals", first[-1], {"dealname": "moved"})
    sim.portal.archive("deals", first[-1])
    r2 = http.get(f"{sim.url}/crm/v3/objects/deals",
                  params={"limit": 5, "after": r.json()["paging"]["next"]["after"]})
    second = [x["id"] for x in r2.json()["results"]]
    assert int(second[0]) > int(first[-1]) and not set(first) & set(second)


def test_list_limit_default_and_max(sim, http):
    r = http.get(f"{sim.url}/crm/v3/objects/companies")
    assert len(r.json()["results"]) == 10
    r = http.get(f"{sim.url}/crm/v3/objects/companies", params={"limit": 101})
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"


def test_default_and_requested_properties(sim, http):
    r = http.get(f"{sim.url}/crm/v3/objects/deals", params={"limit": 1})
    props = r.json()["results"][0]["properties"]
    assert set(props) == {"dealname", "amount", "closedate", "pipeline", "dealstage", "hs_object_id",
                          "createdate", "hs_lastmodifieddate"}
    r = http.get(f"{sim.url}/crm/v3/objects/contacts",
                 params={"limit": 1, "properties": "email,no_such_prop,lastmodifieddate"})
    rec = r.json()["results"][0]
    assert set(rec["properties"]) == {"email", "lastmodifieddate"}
    assert rec["updatedAt"] == rec["properties"]["lastmodifieddate"]
    assert rec["createdAt"].endswith("Z") and parse_time(rec["createdAt"]) is not None


def test_archived_true_returns_only_archived(sim, http):
    sim.portal.archive("companies", sim.portal.live_records("companies")[3]["id"])
    r = http.get(f"{sim.url}/crm/v3/objects/companies", params={"archived": "true"})
    results = r.json()["results"]
    assert len(results) == 1 and results[0]["archived"] is True and "archivedAt" in results[0]
    assert results[0]["id"] not in list_all(http, sim.url, "companies")


def test_list_associations_block(sim, http):
    deal = sim.portal.live_records("deals")[0]["id"]
    expected = sim.portal.associations("deals", deal, "contacts")
    r = http.get(f"{sim.url}/crm/v3/objects/deals/{deal}", params={"associations": "contacts,bogus"})
    block = r.json()["associations"]
    assert list(block) == ["contacts"]
    assert [a["id"] for a in block["contacts"]["results"]] == expected
    assert block["contacts"]["results"][0]["type"] == "deal_to_contact"


def test_get_one_and_not_found(sim, http):
    rid = sim.portal.live_records("line_items")[0]["id"]
    r = http.get(f"{sim.url}/crm/v3/objects/0-8/{rid}", params={"properties": "price"})
    assert r.status_code == 200 and r.json()["id"] == rid and set(r.json()["properties"]) == {"price"}
    r = http.get(f"{sim.url}/crm/v3/objects/line_items/99999999")
    assert r.status_code == 404 and r.json()["category"] == "OBJECT_NOT_FOUND"


def test_batch_read_caps_and_missing_ids(sim, http):
    ids = [r["id"] for r in sim.portal.live_records("contacts")]
    url = f"{sim.url}/crm/v3/objects/contacts/batch/read"
    r = http.post(url, json={"inputs": [{"id": i} for i in ids[:100]], "properties": ["email"]})
    assert r.status_code == 200 and len(r.json()["results"]) == 100
    assert set(r.json()["results"][0]["properties"]) == {"email"}
    r = http.post(url, json={"inputs": [{"id": i} for i in ids[:101]]})
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"
    r = http.post(url, json={"inputs": [{"id": ids[0]}, {"id": "1"}]})
    assert r.status_code == 207 and r.json()["numErrors"] == 1 and len(r.json()["results"]) == 1


def test_url_too_long_is_414(sim, http):
    r = http.get(f"{sim.url}/crm/v3/objects/deals", params={"properties": ",".join(["x" * 50] * 400)})
    assert r.status_code == 414


def test_properties_api_types(sim, http):
    r = http.get(f"{sim.url}/crm/v3/properties/deals")
    props = {p["name"]: p for p in r.json()["results"]}
    assert props["amount"]["showCurrencySymbol"] is True and props["amount"]["type"] == "number"
    assert props["hubspot_owner_id"]["referencedObjectType"] == "OWNER"
    assert len(props["hubspot_owner_id"]["options"]) == 30
    assert props["deal_tags"]["fieldType"] == "checkbox" and props["hs_json_data"]["type"] == "json"
    assert {(p["type"], p["fieldType"]) for p in props.values()} >= {
        ("date", "date"), ("datetime", "date"), ("string", "html"), ("object_coordinates", "text")}
    for p in props.values():
        assert {"name", "label", "type", "fieldType", "groupName", "description", "options"} <= set(p)


def test_schemas_both_paths_and_custom_aliases(sim, http):
    a = http.get(f"{sim.url}/crm-object-schemas/v3/schemas").json()["results"]
    b = http.get(f"{sim.url}/crm/v3/schemas").json()["results"]
    assert a == b and {s["name"] for s in a} == {"projects", "Partner_Accounts"}
    partner = next(s for s in a if s["name"] == "Partner_Accounts")
    assert partner["primaryDisplayProperty"] == "partner_name"
    for alias in (partner["objectTypeId"], partner["fullyQualifiedName"], "p_Partner_Accounts"):
        r = http.get(f"{sim.url}/crm/v3/objects/{alias}", params={"properties": "partner_name"})
        assert r.status_code == 200 and r.json()["results"][0]["properties"]["partner_name"]
    assert http.get(f"{sim.url}/crm/v3/objects/nope").status_code == 400


def test_owners_paging_and_archived(sim, http):
    r = http.get(f"{sim.url}/crm/v3/owners", params={"limit": 20})
    page1 = r.json()
    page2 = http.get(f"{sim.url}/crm/v3/owners", params={"after": page1["paging"]["next"]["after"]}).json()
    ids = [o["id"] for o in page1["results"] + page2["results"]]
    assert len(ids) == len(set(ids)) == 30 and "paging" not in page2
    archived = http.get(f"{sim.url}/crm/v3/owners", params={"archived": "true"}).json()["results"]
    assert len(archived) == 3 and all(o["archived"] for o in archived)
    assert http.get(f"{sim.url}/crm/v3/owners", params={"limit": 501}).status_code == 400


def test_deal_pipelines_match_dealstage_options(sim, http):
    pipelines = http.get(f"{sim.url}/crm/v3/pipelines/deals").json()["results"]
    stages = {s["id"] for p in pipelines for s in p["stages"]}
    props = {p["name"]: p for p in sim.portal.properties("deals")}
    assert stages == {o["value"] for o in props["dealstage"]["options"]}


def test_value_formats(sim):
    props = {p["name"]: p for p in sim.portal.properties("deals")}
    records = sim.portal.live_records("deals")
    values = {name: [r["properties"][name] for r in records] for name in props}
    assert any(v is None for v in values["description"]) and any(v == "" for v in values["description"])
    date = next(v for v in values["contract_start_date"] if v)
    assert len(date) == 10 and date[4] == "-"
    assert all(v in (None, "", "true", "false") for v in values["hs_is_closed_won"])
    assert any(v and ";" in v for v in values["deal_tags"])
    lm = Counter(values["hs_lastmodifieddate"])
    assert lm.most_common(1)[0][1] == sim.config.tie_group_size
