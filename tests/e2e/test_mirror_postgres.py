"""The nightly full refresh makes the warehouse equal HubSpot: deletes, merges, association changes.

Through Meltano into Postgres: a full refresh; then, in the simulator, archive records, merge two
contacts, delete one deal for good, change associations without touching last-modified, and restore
one archived record; an incremental run deletes nothing; the next full refresh leaves the live rows
equal to the portal, row for row and array for array, and marks every other row deleted
(target-postgres `hard_delete: false`, the default: `_sdc_deleted_at` set; `true`: rows removed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

SCHEMA = "hubspot"
RUN = ["run", "tap-hubspot-qobra", "target-postgres"]
FULL = ["run", "--full-refresh", "tap-hubspot-qobra", "target-postgres"]
CHECKED = {"contacts": ("companies", "meetings"), "deals": ("companies", "contacts")}
OBJECT = {"contacts": "contacts", "deals": "deals", "companies": "companies", "meetings": "meetings"}


@dataclass
class Story:
    sim: Any
    pg: Any
    archived: list[str]
    restored: str
    merged_away: str
    deleted: str
    after_incremental: dict[str, int]


def ids(sim: Any, object_type: str) -> list[str]:
    return sorted((r["id"] for r in sim.portal.live_records(object_type)), key=int)


def change_the_portal(sim: Any) -> tuple[list[str], str, str, str]:
    portal = sim.portal
    contacts = ids(sim, "contacts")
    archived = contacts[5:8]
    for contact in archived:
        portal.archive("contacts", contact)
    winner, loser = contacts[10], contacts[11]
    portal.merge("contacts", winner, loser)
    deleted = ids(sim, "deals")[3]
    portal.delete("deals", deleted)
    deal = ids(sim, "deals")[0]
    for company in portal.associations("deals", deal, "companies"):
        portal.dissociate("deals", deal, "companies", company)
    portal.associate("deals", deal, "contacts", contacts[20])
    portal.restore("contacts", archived[0])
    return archived[1:], archived[0], loser, deleted


def rows(pg: Any, stream: str, where: str = "TRUE") -> dict[str, dict]:
    found = pg.dicts(f'SELECT * FROM {SCHEMA}."{stream}" WHERE {where}')
    return {row["id"]: row for row in found}


@pytest.fixture(scope="module")
def story(make_simulator_module, postgres, meltano_run, pipeline_env, tmp_path_factory) -> Iterator[Story]:
    sim = make_simulator_module(scale=0.3)
    pg = postgres.new_database("e2e_mirror")
    system_db = tmp_path_factory.mktemp("mirror") / "meltano.db"
    env = pipeline_env(sim, pg, MELTANO_DATABASE_URI=f"sqlite:///{system_db}")
    meltano_run(FULL, env)
    archived, restored, merged_away, deleted = change_the_portal(sim)
    meltano_run(RUN, env)
    after_incremental = {
        stream: pg.scalar(f'SELECT count(*) FROM {SCHEMA}."{stream}" WHERE _sdc_deleted_at IS NOT NULL')
        for stream in CHECKED
    }
    meltano_run(FULL, env)
    yield Story(sim, pg, archived, restored, merged_away, deleted, after_incremental)
    pg.close()


def test_an_incremental_run_deletes_nothing(story: Story) -> None:
    assert story.after_incremental == {"contacts": 0, "deals": 0}


@pytest.mark.parametrize("stream", sorted(CHECKED))
def test_live_rows_equal_the_portal_row_for_row_and_array_for_array(story: Story, stream: str) -> None:
    live = rows(story.pg, stream, "_sdc_deleted_at IS NULL")
    portal = {r["id"]: r for r in story.sim.portal.live_records(OBJECT[stream])}
    assert sorted(live) == sorted(portal)
    for record_id, row in live.items():
        for jointure in CHECKED[stream]:
            want = story.sim.portal.associations(OBJECT[stream], record_id, OBJECT[jointure])
            assert sorted(row[jointure] or []) == sorted(want), (stream, record_id, jointure)


def test_gone_records_are_marked_deleted(story: Story) -> None:
    contacts = rows(story.pg, "contacts")
    deals = rows(story.pg, "deals")
    for contact in [*story.archived, story.merged_away]:
        assert contacts[contact]["_sdc_deleted_at"] is not None, contact
    assert deals[story.deleted]["_sdc_deleted_at"] is not None


def test_a_restored_record_is_live_again(story: Story) -> None:
    assert rows(story.pg, "contacts")[story.restored]["_sdc_deleted_at"] is None


def test_the_merge_winner_lists_the_loser(story: Story) -> None:
    merged = [row for row in rows(story.pg, "contacts", "_sdc_deleted_at IS NULL").values()
              if row.get("hs_merged_object_ids")]
    assert [row["hs_merged_object_ids"] for row in merged] == [story.merged_away]


def test_hard_delete_removes_the_rows(make_simulator, postgres, meltano_run, pipeline_env, tmp_path) -> None:
    sim = make_simulator(scale=0.1)
    pg = postgres.new_database("e2e_mirror_hard")
    env = pipeline_env(sim, pg, MELTANO_DATABASE_URI=f"sqlite:///{tmp_path / 'meltano.db'}",
                       TARGET_POSTGRES_HARD_DELETE="true")
    try:
        meltano_run(FULL, env)
        gone = ids(sim, "deals")[0]
        sim.portal.archive("deals", gone)
        meltano_run(FULL, env)
        left = rows(pg, "deals")
    finally:
        pg.close()
    assert gone not in left
    assert sorted(left, key=int) == ids(sim, "deals")
