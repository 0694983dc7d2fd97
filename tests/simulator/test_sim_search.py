"""Search: operators, limits, keyset paging, index lag."""

from __future__ import annotations

import re

import pytest

from hubspot_simulator.util import parse_time

from sim_helpers import search_all


def _num(v):
    return float(v) if v not in (None, "") else None


def _tokens(v):
    return re.findall(r"[^\W_]+", (v or "").lower())


# (filter, reference predicate over a record's property values)
CASES = [
    ({"propertyName": "dealstage", "operator": "EQ", "value": "CLOSEDWON"},
     lambda p: p["dealstage"] == "closedwon"),
    ({"propertyName": "pipeline", "operator": "NEQ", "value": "default"},
     lambda p: p["pipeline"] != "default"),
    ({"propertyName": "amount", "operator": "LT", "value": "5000"},
     lambda p: _num(p["amount"]) is not None and _num(p["amount"]) < 5000),
    ({"propertyName": "amount", "operator": "LTE", "value": "5000"},
     lambda p: _num(p["amount"]) is not None and _num(p["amount"]) <= 5000),
    ({"propertyName": "amount", "operator": "GT", "value": "50000"},
     lambda p: _num(p["amount"]) is not None and _num(p["amount"]) > 50000),
    ({"propertyName": "amount", "operator": "GTE", "value": "50000"},
     lambda p: _num(p["amount"]) is not None and _num(p["amount"]) >= 50000),
    ({"propertyName": "amount", "operator": "BETWEEN", "value": "1000", "highValue": "20000"},
     lambda p: _num(p["amount"]) is not None and 1000 <= _num(p["amount"]) <= 20000),
    ({"propertyName": "deal_currency_code", "operator": "IN", "values": ["eur", "USD"]},
     lambda p: p["deal_currency_code"] in ("EUR", "USD")),
    ({"propertyName": "deal_currency_code", "operator": "NOT_IN", "values": ["EUR", "USD"]},
     lambda p: p["deal_currency_code"] not in ("EUR", "USD")),
    ({"propertyName": "description", "operator": "HAS_PROPERTY"},
     lambda p: p["description"] not in (None, "")),
    ({"propertyName": "description", "operator": "NOT_HAS_PROPERTY"},
     lambda p: p["description"] in (None, "")),
    ({"propertyName": "description", "operator": "CONTAINS_TOKEN", "value": "ALPHA"},
     lambda p: "alpha" in _tokens(p["description"])),
    ({"propertyName": "description", "operator": "NOT_CONTAINS_TOKEN", "value": "alpha"},
     lambda p: "alpha" not in _tokens(p["description"])),
    ({"propertyName": "closedate", "operator": "GTE", "value": "2026-01-01T00:00:00Z"},
     lambda p: p["closedate"] and parse_time(p["closedate"]) >= parse_time("2026-01-01T00:00:00Z")),
    ({"propertyName": "deal_tags", "operator": "EQ", "value": "beta"},
     lambda p: "beta" in (p["deal_tags"] or "").split(";")),
]


@pytest.mark.parametrize("flt,predicate", CASES, ids=[f"{c[0]['operator']}-{c[0]['propertyName']}" for c in CASES])
def test_operator_matches_reference(sim, http, flt, predicate):
    expected = sorted((r["id"] for r in sim.portal.live_records("deals") if predicate(r["properties"])), key=int)
    total, results = search_all(http, sim.url, "deals", {"filterGroups": [{"filters": [flt]}]})
    assert [r["id"] for r in results] == expected  # default sort: id ascending
    assert total == len(expected) and 0 < total < len(sim.portal.live_records("deals"))


def test_between_is_inclusive_on_datetimes(sim, http):
    records = sorted(sim.portal.live_records("contacts"), key=lambda r: parse_time(r["updatedAt"]))
    lo, hi = parse_time(records[10]["updatedAt"]), parse_time(records[20]["updatedAt"])
    flt = {"propertyName": "lastmodifieddate", "operator": "BETWEEN", "value": str(lo), "highValue": str(hi)}
    _, results = search_all(http, sim.url, "contacts", {"filterGroups": [{"filters": [flt]}]})
    expected = {r["id"] for r in records if lo <= parse_time(r["updatedAt"]) <= hi}
    assert {r["id"] for r in results} == expected and {records[10]["id"], records[20]["id"]} <= expected


def test_or_of_groups(sim, http):
    groups = [{"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedwon"}]},
              {"filters": [{"propertyName": "dealstage", "operator": "EQ", "value": "closedlost"}]}]
    _, results = search_all(http, sim.url, "deals", {"filterGroups": groups})
    expected = {r["id"] for r in sim.portal.live_records("deals")
                if r["properties"]["dealstage"] in ("closedwon", "closedlost")}
    assert {r["id"] for r in results} == expected and len(results) == len(expected)


def _post(http, sim, body, object_type="deals"):
    return http.post(f"{sim.url}/crm/v3/objects/{object_type}/search", json=body)


def _eq_filters(n):
    return [{"propertyName": "hs_object_id", "operator": "GT", "value": str(i)} for i in range(n)]


@pytest.mark.parametrize("body", [
    {"limit": 201},
    {"after": "9801", "limit": 200},
    {"after": "10000", "limit": 1},
    {"filterGroups": [{"filters": _eq_filters(1)}] * 6},
    {"filterGroups": [{"filters": _eq_filters(7)}]},
    {"filterGroups": [{"filters": _eq_filters(5)}] * 4},  # 20 > 18 in total
    {"sorts": [{"propertyName": "amount", "direction": "ASCENDING"}, {"propertyName": "dealname"}]},
    {"filterGroups": [{"filters": [{"propertyName": "amount", "operator": "BETWEEN", "value": "1"}]}]},
], ids=["limit201", "cap10000", "cap10000b", "groups6", "perGroup7", "total20", "twoSorts", "noHighValue"])
def test_limits_are_400(sim, http, body):
    r = _post(http, sim, body)
    assert r.status_code == 400, r.text
    data = r.json()
    assert data["status"] == "error" and data["category"] == "VALIDATION_ERROR" and data["correlationId"]


def test_limits_at_the_edge_are_accepted(sim, http):
    assert _post(http, sim, {"after": "9800", "limit": 200}).status_code == 200
    assert _post(http, sim, {"filterGroups": [{"filters": _eq_filters(6)}] * 3}).status_code == 200


def test_unknown_property_or_operator_named_in_400(sim, http):
    r = _post(http, sim, {"filterGroups": [{"filters": [
        {"propertyName": "no_such_prop", "operator": "EQ", "value": "1"}]}]})
    assert r.status_code == 400 and "no_such_prop" in r.json()["message"]
    r = _post(http, sim, {"filterGroups": [{"filters": [
        {"propertyName": "amount", "operator": "LIKE", "value": "1"}]}]})
    assert r.status_code == 400 and "LIKE" in r.json()["message"]


def test_keyset_paging_reads_every_record_once(make_sim, http):
    sim = make_sim(scale=1.0)
    records = sim.portal.live_records("contacts")
    lms = [parse_time(r["updatedAt"]) for r in records]
    lo, hi = min(lms), max(lms) + 1
    seen, last = [], None
    while True:
        filters = [{"propertyName": "lastmodifieddate", "operator": "BETWEEN",
                    "value": str(lo), "highValue": str(hi - 1)}]
        if last:
            filters.append({"propertyName": "hs_object_id", "operator": "GT", "value": last})
        r = _post(http, sim, {"filterGroups": [{"filters": filters}], "limit": 200, "properties": ["email"],
                              "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]}, "contacts")
        page = r.json()["results"]
        if not page:
            break
        seen += [x["id"] for x in page]
        last = page[-1]["id"]
    assert seen == sorted((r["id"] for r in records), key=int)


def test_sort_by_last_modified_and_requested_properties(sim, http):
    r = _post(http, sim, {"sorts": [{"propertyName": "hs_lastmodifieddate", "direction": "DESCENDING"}],
                          "limit": 5, "properties": ["dealname", "bogus"]})
    results = r.json()["results"]
    stamps = [parse_time(x["updatedAt"]) for x in results]
    newest = max(parse_time(x["updatedAt"]) for x in sim.portal.live_records("deals"))
    assert stamps == sorted(stamps, reverse=True) and stamps[0] == newest
    assert set(results[0]["properties"]) == {"dealname"} and "associations" not in results[0]


def test_search_never_returns_archived(sim, http):
    rid = sim.portal.live_records("deals")[0]["id"]
    sim.portal.archive("deals", rid)
    flt = {"propertyName": "hs_object_id", "operator": "EQ", "value": rid}
    assert _post(http, sim, {"filterGroups": [{"filters": [flt]}]}).json()["total"] == 0
    sim.portal.restore("deals", rid)
    assert _post(http, sim, {"filterGroups": [{"filters": [flt]}]}).json()["total"] == 1


def test_index_lag_hides_new_and_shows_previous_versions(sim, http):
    sim.config.index_lag_ms = 60_000
    new_id = sim.portal.create("deals", {"dealname": "fresh"})
    old = sim.portal.live_records("deals")[0]
    sim.portal.update("deals", old["id"], {"dealname": "renamed"})

    def find(rid):
        flt = {"propertyName": "hs_object_id", "operator": "EQ", "value": rid}
        return _post(http, sim, {"filterGroups": [{"filters": [flt]}], "properties": ["dealname"]}).json()

    assert find(new_id)["total"] == 0
    assert http.get(f"{sim.url}/crm/v3/objects/deals/{new_id}").json()["properties"]["dealname"] == "fresh"
    assert find(old["id"])["results"][0]["properties"]["dealname"] == old["properties"]["dealname"]
    renamed = {"propertyName": "dealname", "operator": "EQ", "value": "renamed"}
    assert _post(http, sim, {"filterGroups": [{"filters": [renamed]}]}).json()["total"] == 0
    sim.config.index_lag_ms = 0
    assert find(new_id)["total"] == 1
    assert find(old["id"])["results"][0]["properties"]["dealname"] == "renamed"


def test_touch_sets_exact_timestamp_and_churn_moves_records(make_sim, http):
    sim = make_sim(churn_per_search=3)
    rid = sim.portal.live_records("calls")[0]["id"]
    sim.portal.touch("calls", [rid], 1_700_000_000_123)
    flt = {"propertyName": "hs_lastmodifieddate", "operator": "EQ", "value": "1700000000123"}
    r = _post(http, sim, {"filterGroups": [{"filters": [flt]}]}, "calls")
    assert [x["id"] for x in r.json()["results"]] == [rid]
    before = {x["id"]: x["updatedAt"] for x in sim.portal.live_records("tasks")}
    _post(http, sim, {"limit": 1}, "tasks")
    after = {x["id"]: x["updatedAt"] for x in sim.portal.live_records("tasks")}
    assert 1 <= sum(before[k] != after[k] for k in before) <= 3
