"""Deterministic seed data: owners, records and associations."""

from __future__ import annotations

import random

from .model import MERGED_IDS, ObjectDef
from .store import Rec, Table, Version
from .util import DAY_MS, date_str, iso_ms

POOL_SIZE = 200
NULL_SHARE = 0.10
EMPTY_SHARE = 0.03
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
         "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo")
FIRST = ("Ada", "Alan", "Grace", "Linus", "Marie", "Nina", "Omar", "Paul", "Rosa", "Yuki")
LAST = ("Lovelace", "Turing", "Hopper", "Torvalds", "Curie", "Simone", "Khayyam", "Erdos", "Parks")
REQUIRED = ("hs_object_id", "createdate")
SPAN_MS = 730 * DAY_MS


def rng_for(seed: int, *parts: object) -> random.Random:
    return random.Random(f"{seed}:" + ":".join(str(p) for p in parts))


def make_owners(seed: int, anchor_ms: int) -> list[dict]:
    """30 active owners and 3 archived ones."""
    rng = rng_for(seed, "owners")
    owners = []
    for i in range(33):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        created = anchor_ms - rng.randint(400, 900) * DAY_MS
        owners.append({
            "id": str(100_001 + i * 13), "email": f"{first}.{last}.{i}@sim.example.com".lower(),
            "firstName": first, "lastName": last, "userId": 9001 + i,
            "userIdIncludingInactive": 9001 + i, "type": "PERSON",
            "teams": [{"id": str(1 + i % 3), "name": ("Sales", "Success", "Ops")[i % 3], "primary": True}],
            "createdAt": iso_ms(created), "updatedAt": iso_ms(created + rng.randint(1, 300) * DAY_MS),
            "archived": i >= 30,
        })
    return owners


def owner_options(owners: list[dict]) -> tuple[tuple[str, str], ...]:
    return tuple((o["id"], f"{o['firstName']} {o['lastName']}") for o in owners if not o["archived"])


def _value(rng: random.Random, prop: dict, anchor_ms: int) -> str:
    ptype, ftype, name = prop["type"], prop["fieldType"], prop["name"]
    options = [o["value"] for o in prop["options"]]
    if ptype == "enumeration" and ftype == "checkbox":
        return ";".join(sorted(rng.sample(options, rng.randint(1, min(2, len(options))))))
    if options:
        return rng.choice(options)
    if ptype == "bool":
        return rng.choice(("true", "false"))
    if ptype == "number":
        if prop.get("showCurrencySymbol"):
            return str(rng.randint(100, 9_999_999) / 10) if rng.random() < 0.5 else str(rng.randint(1, 99_999))
        if ftype == "calculation_equation":
            return str(rng.randint(0, 100) / 100)
        return str(rng.randint(0, 500))
    if ptype == "date":
        return date_str(anchor_ms - rng.randint(0, 3650) * DAY_MS)
    if ptype == "datetime":
        return iso_ms(anchor_ms - rng.randint(0, SPAN_MS))
    return _string_value(rng, name, ptype, ftype)


def _string_value(rng: random.Random, name: str, ptype: str, ftype: str) -> str:
    n = rng.randint(1, 9999)
    word = rng.choice(WORDS)
    if ptype == "phone_number" or ftype == "phonenumber":
        return f"+33 6 {n % 100:02d} {n // 100:02d} {rng.randint(10, 99)} {rng.randint(10, 99)}"
    if ptype == "json":
        return f'{{"score": {n}, "tag": "{word}"}}'
    if ptype == "object_coordinates":
        return f"{rng.uniform(-80, 80):.4f},{rng.uniform(-170, 170):.4f}"
    if name == "domain" or name == "website":
        return f"{word}{n}.example.com"
    if name in ("firstname", "lastname"):
        return rng.choice(FIRST if name == "firstname" else LAST)
    return {
        "html": f"<p>Note about <b>{word}</b> number {n}</p>",
        "file": f"https://files.example.com/f/{n}.pdf",
        "textarea": f"{word.title()} follow-up {n}.\nSecond line: {rng.choice(WORDS)}",
        "calculation_equation": f"{word}-{n % 7}",
    }.get(ftype, f"{word} {rng.choice(WORDS)} {n}")


_POOL_CACHE: dict[tuple, list] = {}


def value_pools(seed: int, obj: ObjectDef, anchor_ms: int) -> list[list[str | None] | None]:
    """Per property, a pool of values (with ~10% None and ~3% ""); None for per-record fields.

    Cached (pools are read-only), so that starting many simulators in tests stays fast."""
    key = (seed, obj.name, tuple(obj.prop_names), anchor_ms)
    if key not in _POOL_CACHE:
        _POOL_CACHE[key] = _build_pools(seed, obj, anchor_ms)
    return _POOL_CACHE[key]


def _build_pools(seed: int, obj: ObjectDef, anchor_ms: int) -> list[list[str | None] | None]:
    pools: list[list[str | None] | None] = []
    special = {*REQUIRED, obj.last_modified, obj.name_field, MERGED_IDS}
    for prop in obj.props:
        if prop["name"] in special:
            pools.append(None)
            continue
        rng = rng_for(seed, obj.name, prop["name"])
        n_null, n_empty = int(POOL_SIZE * NULL_SHARE), int(POOL_SIZE * EMPTY_SHARE)
        pool: list[str | None] = [None] * n_null + [""] * n_empty
        pool += [_value(rng, prop, anchor_ms) for _ in range(POOL_SIZE - n_null - n_empty)]
        rng.shuffle(pool)
        pools.append(pool)
    return pools


def name_value(obj: ObjectDef, rng: random.Random, rid: int) -> str:
    if obj.name_field == "email":
        return f"{rng.choice(FIRST)}.{rng.choice(LAST)}.{rid}@example.com".lower()
    label = obj.label[0].split()[0]
    return f"{label} {rng.choice(WORDS).title()} {rid}"


def make_records(seed: int, obj: ObjectDef, table: Table, count: int, anchor_ms: int,
                 tie_size: int) -> list[Rec]:
    """`count` records with ids from 1001 (with gaps) and timestamps over the past two years."""
    rng = rng_for(seed, obj.name, "records")
    pools = value_pools(seed, obj, anchor_ms)
    latest = anchor_ms - DAY_MS
    recs, rid = [], 1000
    name_pos = table.pos[obj.name_field]
    for _ in range(count):
        rid += rng.randint(1, 5)
        created = latest - rng.randint(0, SPAN_MS)
        lm = rng.randint(created, latest)
        vals = [p[int(rng.random() * POOL_SIZE)] if p is not None else None for p in pools]
        vals[table.id_pos], vals[table.created_pos] = str(rid), iso_ms(created)
        vals[table.lm_pos], vals[name_pos] = iso_ms(lm), name_value(obj, rng, rid)
        recs.append(Rec(rid, created, Version(lm, lm, tuple(vals))))
    _tie_group(rng, table, recs, tie_size, latest)
    return recs


def _tie_group(rng: random.Random, table: Table, recs: list[Rec], size: int, latest: int) -> None:
    """A "bulk import": `size` records sharing one identical last-modified millisecond."""
    ts = latest - 3 * DAY_MS + 777
    eligible = [r for r in recs if r.created_ms <= ts]
    for rec in rng.sample(eligible, min(size, len(eligible))):
        vals = list(rec.latest.vals)
        vals[table.lm_pos] = iso_ms(ts)
        rec.versions = [Version(ts, ts, tuple(vals))]


def make_associations(seed: int, ids: dict[str, list[int]], page: int) -> list[tuple[str, int, str, int]]:
    """(from_type, from_id, to_type, to_id) edges; the caller stores both directions."""
    rng = rng_for(seed, "associations")
    edges: list[tuple[str, int, str, int]] = []

    def link(src: str, dst: str, lo: int, hi: int) -> None:
        targets = ids.get(dst) or []
        for fid in ids.get(src) or []:
            for tid in rng.sample(targets, min(len(targets), rng.randint(lo, hi))):
                edges.append((src, fid, dst, tid))

    link("deals", "companies", 0, 2)
    link("deals", "contacts", 1, 5)
    contacts = ids.get("contacts") or []
    for fid in (ids.get("deals") or [])[:2]:  # more than one page of contacts per input
        for tid in contacts[:page + 25]:
            edges.append(("deals", fid, "contacts", tid))
    link("line_items", "deals", 1, 1)
    link("meetings", "companies", 0, 2)
    link("meetings", "deals", 0, 2)
    link("contacts", "companies", 0, 1)
    link("contacts", "meetings", 0, 2)
    return edges
