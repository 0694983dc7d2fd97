"""The sync engine never loses a record: 10k caps, timestamp ties, changes during a run, index lag,
interrupted runs. Everything is driven by simulator hooks at precise request counts: no sleeps."""

from __future__ import annotations

import random

import pytest

from tap_hubspot_qobra import fetcher, query
from tap_hubspot_qobra.client import RetryPolicy
from tap_hubspot_qobra.tap import TapHubspotQobra

from .conftest import tap_config
from .singer_run import run_tap, select_only


@pytest.fixture
def small_windows(monkeypatch):
    """Windows of a few hundred records, so a small portal is read as many parallel windows."""
    monkeypatch.setattr(fetcher, "MIN_WINDOW_RECORDS", 100)


def only(config: dict, *streams: str) -> dict:
    return select_only(TapHubspotQobra(config=config, parse_env_config=False).catalog_dict, set(streams))


def live_ids(sim, object_type: str = "contacts") -> set[str]:
    return {record["id"] for record in sim.portal.live_records(object_type)}


def test_over_10k_matches_and_a_10k_tie_group(make_simulator):
    sim = make_simulator(scale=20)  # 12,000 contacts
    ids = sorted(live_ids(sim), key=int)
    sim.portal.touch("contacts", ids[:10_500], 1_700_000_000_000)  # one bulk import millisecond
    searches = []
    sim.on_request(lambda info: searches.append(info.body) if info.kind == "search" else None)
    config = tap_config(sim)
    result = run_tap(config, catalog=only(config, "contacts"))
    emitted = result.ids("contacts")
    assert len(emitted) == len(set(emitted)) == 12_000
    assert set(emitted) == set(ids)
    assert all(int(body.get("after") or 0) + body.get("limit", 10) <= 10_000 for body in searches)


def mutate_during_run(sim, *, after_requests: int, rng: random.Random, moves: list, created: list):
    """At the Nth data request, change records that are probably in parts not read yet, and add some."""

    seen = []

    def hook(info) -> None:
        if info.kind not in ("search", "general"):
            return
        seen.append(info.path)
        if len(seen) != after_requests:
            return
        victims = rng.sample(sorted(live_ids(sim)), 60)
        for record_id in victims:
            sim.portal.update("contacts", record_id, {"firstname": f"moved-{record_id}"})
        moves.extend(victims)
        created.extend(sim.portal.create("contacts", {"email": f"new{i}@example.com"}) for i in range(5))

    sim.on_request(hook)


def spread_recent_changes(sim, since_iso: str, rng: random.Random) -> None:
    """Make every contact look modified after `since`, at spread-out times (many incremental windows)."""
    since = query.datetime_to_ms(since_iso)
    now = fetcher.now_ms()
    for record_id in sorted(live_ids(sim)):
        sim.portal.touch("contacts", [record_id], rng.randint(since, now - 1))


@pytest.mark.parametrize("mode", ["full", "incremental"])
@pytest.mark.parametrize("after_requests", [3, 8, 15])
def test_records_changing_during_a_run_are_not_lost(make_simulator, small_windows, mode, after_requests):
    sim = make_simulator(scale=2)  # 1,200 contacts -> about a dozen windows
    rng = random.Random(after_requests)
    config = tap_config(sim, max_concurrency=3)
    catalog = only(config, "contacts")
    state = None
    if mode == "incremental":
        state = run_tap(config, catalog=catalog).final_state
        spread_recent_changes(sim, state["bookmarks"]["contacts"]["replication_key_value"], rng)
    at_start = live_ids(sim)
    moves: list[str] = []
    created: list[str] = []
    mutate_during_run(sim, after_requests=after_requests, rng=rng, moves=moves, created=created)
    first = run_tap(config, state=state, catalog=catalog)
    assert moves, "the hook must have fired during the run"
    assert at_start <= set(first.ids("contacts"))

    sim.clear_hooks()
    second = run_tap(config, state=first.final_state, catalog=catalog)
    latest = {r["id"]: r for r in first.records["contacts"]} | {r["id"]: r for r in second.records["contacts"]}
    assert set(latest) == live_ids(sim)
    for record_id in moves:
        assert latest[record_id]["firstname"] == f"moved-{record_id}"


def test_a_record_hidden_by_index_lag_comes_with_the_next_run(make_simulator):
    sim = make_simulator(scale=0.2, index_lag_ms=600_000)
    config = tap_config(sim)
    catalog = only(config, "contacts")
    first = run_tap(config, catalog=catalog)
    new_id = sim.portal.create("contacts", {"email": "late@example.com"})
    second = run_tap(config, state=first.final_state, catalog=catalog)
    assert new_id not in second.ids("contacts")  # search cannot see it yet
    sim.config.index_lag_ms = 0  # the index catches up
    third = run_tap(config, state=second.final_state, catalog=catalog)
    assert new_id in third.ids("contacts")


def test_an_interrupted_run_keeps_the_old_bookmark_and_the_next_run_misses_nothing(make_simulator):
    sim = make_simulator(scale=0.5)
    config = tap_config(sim)
    catalog = only(config, "contacts", "deals")
    first = run_tap(config, catalog=catalog)
    changed = sorted(live_ids(sim), key=int)[:40]
    for record_id in changed:
        sim.portal.update("contacts", record_id, {"lastname": "changed"})

    sim.fail_next(2, kind="503", path_contains="/contacts/search")  # every try of the first search

    def impatient(tap) -> None:
        tap.client.retry = RetryPolicy(max_tries=2, base_delay=0)

    with pytest.raises(Exception, match="503") as caught:
        run_tap(config, state=first.final_state, catalog=catalog, prepare=impatient)
    partial = caught.value.partial_result
    assert partial.bookmark("contacts") in (None, first.bookmark("contacts"))

    state = partial.final_state or first.final_state
    third = run_tap(config, state=state, catalog=catalog)
    assert set(changed) <= set(third.ids("contacts"))
    assert all(r["lastname"] == "changed" for r in third.records["contacts"] if r["id"] in changed)


def test_a_full_read_splits_the_ids_between_list_and_search(make_simulator, monkeypatch):
    from tap_hubspot_qobra import idsplit

    monkeypatch.setattr(idsplit, "RECORDS_PER_WINDOW", 30)
    monkeypatch.setattr(idsplit, "LIST_ONLY_RECORDS", 0)
    sim = make_simulator(scale=2)
    kinds = []
    sim.on_request(lambda info: kinds.append((info.kind, info.path)))
    config = tap_config(sim, max_concurrency=3)
    result = run_tap(config, catalog=only(config, "contacts"))
    emitted = result.ids("contacts")
    assert len(emitted) == len(set(emitted))
    assert set(emitted) == live_ids(sim)
    list_pages = [path for kind, path in kinds if kind == "general" and path.endswith("/contacts")]
    id_searches = [path for kind, path in kinds if kind == "search"]
    assert len(list_pages) > 1 and len(id_searches) > 3
