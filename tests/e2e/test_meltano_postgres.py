"""End to end: simulator -> `meltano run tap-hubspot-qobra target-postgres` -> PostgreSQL.

One pipeline run per module (fixture `loaded`); the tests then read the warehouse with SQL and
compare it with the simulator's portal. The last tests run the pipeline again (incremental, then the
nightly full-refresh schedule) and check that nothing is duplicated.

How target-postgres 0.8.1 stores things (target_postgres/connector.py): a JSON array whose `items`
has a `type` becomes a Postgres ARRAY of that type (jointures -> `text[]`); an array without typed
items or an object becomes `jsonb`; `format: date-time` -> `timestamp` (without time zone),
`format: date` -> `date`, number -> `numeric`, boolean -> `boolean`, string -> `text`/`varchar`.
Rows are upserted on the stream's key properties (`id`), so re-reading a record never duplicates it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

pytestmark = pytest.mark.e2e

SCHEMA = "hubspot"
# stream -> HubSpot object type, from CONTRACT.md's seed table (kept here on purpose rather than
# imported from the tap: this test checks the contract, not the tap against itself).
SEED_STREAMS = {
    "deals": "deals",
    "companies": "companies",
    "line_items": "line_items",
    "meetings": "meetings",
    "calls": "calls",
    "emails": "emails",
    "tasks": "tasks",
    "contacts": "contacts",
    "goals": "goal_targets",
}
QOBRA_TYPES = {"amount", "number", "user", "string", "picklist", "bool", "date"}
TAP_AND_TARGET = ["run", "tap-hubspot-qobra", "target-postgres"]


def custom_stream_name(schema_name: str) -> str:
    """CONTRACT.md: the schema's `name`, lower-cased, characters outside [a-z0-9_] -> `_`."""
    return re.sub(r"[^a-z0-9_]", "_", schema_name.lower())


def crm_streams(sim: Any) -> dict[str, str]:
    """Every CRM stream the tap should sync from this portal -> the portal's object type."""
    streams = dict(SEED_STREAMS)
    for schema in sim.portal.schemas():
        streams[custom_stream_name(schema["name"])] = schema["objectTypeId"]
    return streams


def expected_counts(sim: Any) -> dict[str, int]:
    counts = {stream: len(sim.portal.live_records(object_type))
              for stream, object_type in crm_streams(sim).items()}
    # owners: archived ones too (deals keep pointing at deactivated users), flagged `archived`
    counts["owners"] = len(sim.portal.owners())
    return counts


def actual_counts(pg: Any, streams: list[str]) -> dict[str, int | None]:
    present = {r[0] for r in pg.query(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [SCHEMA])}
    return {s: pg.scalar(f'SELECT count(*) FROM {SCHEMA}."{s}"') if s in present else None
            for s in streams}


def id_list(value: Any) -> list[str]:
    """A jointure column as a sorted list of ids, whether stored as text[] or jsonb."""
    if value is None:
        return []
    if isinstance(value, str):  # jsonb that came back as text
        value = json.loads(value)
    return sorted(str(v) for v in value)


@dataclass
class Loaded:
    sim: Any
    pg: Any
    env: dict[str, str]
    first_run: Any


@pytest.fixture(scope="module")
def loaded(make_simulator_module, postgres, meltano_run, pipeline_env) -> Iterator[Loaded]:
    sim = make_simulator_module(scale=1.0)
    pg = postgres.new_database("e2e_meltano")
    env = pipeline_env(sim, pg)
    first = meltano_run(TAP_AND_TARGET, env)
    yield Loaded(sim, pg, env, first)
    pg.close()


def test_every_stream_has_the_simulators_row_count(loaded: Loaded) -> None:
    want = expected_counts(loaded.sim)
    got = actual_counts(loaded.pg, sorted(want))
    assert got == want, {s: (got[s], want[s]) for s in want if got[s] != want[s]}


def test_deal_columns_have_warehouse_types(loaded: Loaded) -> None:
    rows = loaded.pg.query(
        "SELECT column_name, data_type, udt_name FROM information_schema.columns "
        "WHERE table_schema = %s AND table_name = 'deals'", [SCHEMA])
    types = {name: data_type for name, data_type, _ in rows}
    assert types.get("amount") == "numeric", types.get("amount")
    assert types.get("hs_is_closed_won") == "boolean", types.get("hs_is_closed_won")
    assert types.get("closedate") in ("timestamp without time zone", "timestamp with time zone")
    assert types.get("contract_start_date") == "date", types.get("contract_start_date")
    assert types.get("dealname") in ("text", "character varying"), types.get("dealname")
    assert types.get("id") in ("text", "character varying"), types.get("id")
    # jointures: text[] when the tap declares `items: {type: string}`, else jsonb
    for jointure in ("companies", "contacts"):
        assert types.get(jointure) in ("ARRAY", "jsonb"), (jointure, types.get(jointure))


def test_deal_jointures_match_the_portals_associations(loaded: Loaded) -> None:
    portal = loaded.sim.portal
    rows = loaded.pg.query(f"SELECT id, companies, contacts FROM {SCHEMA}.deals ORDER BY id")
    assert rows, "no deals loaded"
    wrong = []
    with_both = 0
    for deal_id, companies, contacts in rows:
        want_companies = sorted(portal.associations("deals", deal_id, "companies"))
        want_contacts = sorted(portal.associations("deals", deal_id, "contacts"))
        with_both += bool(want_companies and want_contacts)
        if id_list(companies) != want_companies or id_list(contacts) != want_contacts:
            wrong.append((deal_id, id_list(companies), want_companies,
                          id_list(contacts), want_contacts))
    assert with_both, "the simulator gave no deal both companies and contacts: test is vacuous"
    assert not wrong, f"{len(wrong)} deals with wrong jointures, e.g. {wrong[:3]}"


def test_other_jointures_exist(loaded: Loaded) -> None:
    # CONTRACT.md "Records": one array column per jointure.
    jointures = {"line_items": ["deals"], "meetings": ["companies", "deals"],
                 "contacts": ["companies", "meetings"]}
    rows = loaded.pg.query(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s",
        [SCHEMA])
    have = {(t, c) for t, c in rows}
    missing = [(t, c) for t, cols in jointures.items() for c in cols if (t, c) not in have]
    assert not missing, missing


def test_fields_table_describes_every_field(loaded: Loaded) -> None:
    pg = loaded.pg
    rows = pg.dicts(f"SELECT stream, name, label, hubspot_type, hubspot_field_type, qobra_type, "
                    f"options, is_name_field, is_currency_field FROM {SCHEMA}.fields")
    assert rows
    bad = {(r["stream"], r["name"], r["qobra_type"]) for r in rows
           if r["qobra_type"] not in QOBRA_TYPES}
    assert not bad, sorted(bad)[:10]
    by_key = {(r["stream"], r["name"]): r for r in rows}
    assert len(by_key) == len(rows), "duplicate (stream, name) rows in fields"
    assert by_key[("deals", "amount")]["qobra_type"] == "amount"
    assert by_key[("deals", "hubspot_owner_id")]["qobra_type"] == "user"
    assert by_key[("deals", "dealstage")]["qobra_type"] == "picklist"
    assert by_key[("deals", "dealname")]["is_name_field"] is True
    assert by_key[("deals", "deal_currency_code")]["is_currency_field"] is True
    # every column of every CRM table is described (except the target's _sdc_* bookkeeping and
    # the jointure arrays, which are not HubSpot properties)
    streams = crm_streams(loaded.sim)
    described = {s for s, _ in by_key}
    assert set(streams) <= described, set(streams) - described
    cols = pg.query("SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = %s AND table_name = 'deals'", [SCHEMA])
    props = {c for (c,) in cols if not c.startswith("_sdc_")} - {
        "id", "createdAt", "updatedAt", "archived", "companies", "contacts"}
    undescribed = props - {n for s, n in by_key if s == "deals"}
    assert not undescribed, sorted(undescribed)


def test_tables_table_has_one_row_per_synced_table(loaded: Loaded) -> None:
    rows = loaded.pg.dicts(f"SELECT stream, object_type, object_type_id, label, name_field, "
                           f"currency_field, jointures FROM {SCHEMA}.tables")
    by_stream = {r["stream"]: r for r in rows}
    assert len(by_stream) == len(rows), "duplicate streams in tables"
    streams = crm_streams(loaded.sim)
    assert set(streams) <= set(by_stream), set(streams) - set(by_stream)
    deals = by_stream["deals"]
    assert deals["name_field"] == "dealname"
    assert deals["currency_field"] == "deal_currency_code"
    assert deals["object_type_id"] == "0-3"
    assert id_list(deals["jointures"]) == ["companies", "contacts"]
    assert by_stream["contacts"]["name_field"] == "email"


def test_archived_owners_are_flagged(loaded: Loaded) -> None:
    want = sorted(str(o["id"]) for o in loaded.sim.portal.owners() if o.get("archived"))
    got = [r[0] for r in loaded.pg.query(
        f"SELECT id FROM {SCHEMA}.owners WHERE archived ORDER BY id")]
    assert got == want


def faster(env: dict[str, str]) -> dict[str, str]:
    """The pipeline env with higher request budgets: the first run already used the defaults, and
    the simulator here enforces no limits, so the later runs need not pace like HubSpot."""
    return {**env, "TAP_HUBSPOT_QOBRA_SEARCH_RATE_LIMIT_PER_SECOND": "50",
            "TAP_HUBSPOT_QOBRA_RATE_LIMIT_PER_10S": "1000"}


def test_second_run_is_incremental_and_duplicates_nothing(loaded: Loaded, meltano_run) -> None:
    second = meltano_run(TAP_AND_TARGET, faster(loaded.env))
    log = second.stderr + second.stdout
    assert "No state was found" not in log, "the first run saved no state"
    want = expected_counts(loaded.sim)
    got = actual_counts(loaded.pg, sorted(want))
    assert got == want, {s: (got[s], want[s]) for s in want if got[s] != want[s]}
    for stream in want:
        dupes = loaded.pg.scalar(f'SELECT count(*) - count(DISTINCT id) FROM {SCHEMA}."{stream}"')
        assert dupes == 0, (stream, dupes)
    # the bookmark is in Meltano's state for this pipeline
    states = meltano_run(["state", "list"], loaded.env).stdout
    state_id = next((s for s in states.split() if "tap-hubspot-qobra-to-target-postgres" in s), None)
    assert state_id, states
    state = json.loads(meltano_run(["state", "get", state_id], loaded.env).stdout)
    assert "deals" in state["singer_state"]["bookmarks"], state


def test_nightly_schedule_does_a_full_refresh(loaded: Loaded, meltano_run) -> None:
    # meltano.yml's nightly schedule sets MELTANO_RUN_FULL_REFRESH=true for `meltano run`.
    done = meltano_run(["schedule", "run", "nightly-full-refresh"], faster(loaded.env))
    log = done.stderr + done.stdout
    assert "Performing full refresh" in log, log[-3000:]
    want = expected_counts(loaded.sim)
    got = actual_counts(loaded.pg, sorted(want))
    assert got == want, {s: (got[s], want[s]) for s in want if got[s] != want[s]}
