"""v4 associations: batch read with per-input paging, per-record GET."""

from __future__ import annotations


def batch_all(http, url, src, dst, ids):
    """Follow per-input paging until every input is exhausted; from-id -> [to-ids]."""
    found: dict[str, list[str]] = {}
    pending = [{"id": i} for i in ids]
    requests_made = 0
    while pending:
        r = http.post(f"{url}/crm/v4/associations/{src}/{dst}/batch/read", json={"inputs": pending})
        assert r.status_code == 200, r.text
        requests_made += 1
        pending = []
        for result in r.json()["results"]:
            fid = result["from"]["id"]
            found.setdefault(fid, []).extend(t["toObjectId"] for t in result["to"])
            if after := result.get("paging", {}).get("next", {}).get("after"):
                pending.append({"id": fid, "after": after})
    return found, requests_made


def test_batch_read_pages_per_input_and_returns_everything(sim, http):
    deals = [r["id"] for r in sim.portal.live_records("deals")]
    found, calls = batch_all(http, sim.url, "deals", "contacts", deals)
    expected = {d: sim.portal.associations("deals", d, "contacts") for d in deals}
    assert found == {d: ids for d, ids in expected.items() if ids}
    assert max(len(v) for v in found.values()) > sim.config.assoc_page_size
    assert calls >= 2


def test_inputs_without_associations_are_omitted(sim, http):
    deals = [r["id"] for r in sim.portal.live_records("deals")]
    lonely = next(d for d in deals if not sim.portal.associations("deals", d, "companies"))
    busy = next(d for d in deals if sim.portal.associations("deals", d, "companies"))
    r = http.post(f"{sim.url}/crm/v4/associations/deals/companies/batch/read",
                  json={"inputs": [{"id": lonely}, {"id": busy}]})
    results = r.json()["results"]
    assert [x["from"]["id"] for x in results] == [busy]
    kinds = results[0]["to"][0]["associationTypes"][0]
    assert kinds == {"category": "HUBSPOT_DEFINED", "typeId": 341, "label": None}


def test_associations_are_stored_both_ways(sim):
    line_item = sim.portal.live_records("line_items")[0]["id"]
    (deal,) = sim.portal.associations("line_items", line_item, "deals")
    assert line_item in sim.portal.associations("deals", deal, "line_items")
    sim.portal.dissociate("deals", deal, "line_items", line_item)
    assert sim.portal.associations("line_items", line_item, "deals") == []
    sim.portal.associate("0-8", line_item, "0-3", deal)
    assert sim.portal.associations("line_items", line_item, "deals") == [deal]


def test_batch_read_input_cap(sim, http):
    r = http.post(f"{sim.url}/crm/v4/associations/deals/contacts/batch/read",
                  json={"inputs": [{"id": str(i)} for i in range(1001)]})
    assert r.status_code == 400 and r.json()["category"] == "VALIDATION_ERROR"


def test_per_record_get_pages(sim, http):
    deal = sim.portal.live_records("deals")[0]["id"]
    expected = sim.portal.associations("deals", deal, "contacts")
    url = f"{sim.url}/crm/v4/objects/deals/{deal}/associations/contacts"
    got, after = [], None
    while True:
        data = http.get(url, params={"limit": 50, **({"after": after} if after else {})}).json()
        got += [x["toObjectId"] for x in data["results"]]
        after = data.get("paging", {}).get("next", {}).get("after")
        if not after:
            break
    assert got == expected and len(expected) > 50
