"""The in-memory HubSpot portal: object types, records (versioned), associations, owners.

Thread-safe: every public method takes `self.lock` (re-entrant; endpoint code holds it across a
whole request to read a consistent state).
"""

from __future__ import annotations

import gc
import random
import threading
from bisect import bisect_left

from . import datagen
from .model import ASSOCIATION_TYPES, MERGED_IDS, ObjectDef, build_objects, schema_of
from .store import Rec, Table
from .util import DAY_MS, iso_ms, now_ms


class Portal:
    def __init__(self, seed: int = 1, scale: float = 1.0, tie_group_size: int = 50,
                 extra_properties: int = 20, assoc_page_size: int = 100):
        self.lock = threading.RLock()
        self.seed = seed
        anchor = now_ms() // DAY_MS * DAY_MS  # deterministic within a UTC day
        self._owners = datagen.make_owners(seed, anchor)
        objects = build_objects(datagen.owner_options(self._owners), extra_properties)
        self.objects: dict[str, ObjectDef] = {o.name: o for o in objects}
        self._alias = {a.lower(): o.name for o in objects for a in o.aliases}
        self.tables: dict[str, Table] = {}
        for obj in objects:
            table = Table(obj)
            if obj.base_count:  # the empty types (empty_types.py) have no records at any scale
                count = max(1, round(obj.base_count * scale))
                table.load(datagen.make_records(seed, obj, table, count, anchor, tie_group_size))
            self.tables[obj.name] = table
        self.assoc: dict[tuple[str, str], dict[int, list[int]]] = {k: {} for k in ASSOCIATION_TYPES}
        ids = {name: t.ids for name, t in self.tables.items()}
        for src, fid, dst, tid in datagen.make_associations(seed, ids, assoc_page_size):
            self._link(src, fid, dst, tid)
        self._churn_rng = random.Random(f"{seed}:churn")
        gc.freeze()  # the seed data is long-lived: keep it out of GC passes (no pauses mid-request)

    # ----- metadata -----
    def object_types(self) -> list[str]:
        return list(self.objects)

    def resolve(self, path_name: str) -> str:
        try:
            return self._alias[path_name.lower()]
        except KeyError:
            raise KeyError(path_name) from None

    def obj(self, object_type: str) -> ObjectDef:
        return self.objects[self.resolve(object_type)]

    def table(self, object_type: str) -> Table:
        return self.tables[self.resolve(object_type)]

    def properties(self, object_type: str) -> list[dict]:
        return self.obj(object_type).props

    def schemas(self) -> list[dict]:
        return [schema_of(o) for o in self.objects.values() if o.schema_name]

    def owners(self) -> list[dict]:
        return [dict(o) for o in self._owners]

    # ----- reads -----
    def live_records(self, object_type: str) -> list[dict]:
        with self.lock:
            table = self.table(object_type)
            return [self.record_json(table, table.recs[rid], table.names) for rid in table.ids]

    @staticmethod
    def record_json(table: Table, rec: Rec, names: list[str], version=None, omit_null=False) -> dict:
        version = version or rec.latest
        vals, pos = version.vals, table.pos
        props = {n: vals[pos[n]] for n in names}
        if omit_null:
            props = {n: v for n, v in props.items() if v is not None}
        out = {"id": str(rec.id), "properties": props, "createdAt": vals[table.created_pos],
               "updatedAt": vals[table.lm_pos], "archived": rec.archived_at is not None}
        if rec.archived_at is not None:
            out["archivedAt"] = iso_ms(rec.archived_at)
        return out

    def associations(self, from_type: str, from_id, to_type: str) -> list[str]:
        with self.lock:
            key = (self.resolve(from_type), self.resolve(to_type))
            return [str(i) for i in self.assoc.get(key, {}).get(int(from_id), [])]

    # ----- writes -----
    def _rec(self, object_type: str, record_id) -> tuple[Table, Rec]:
        table = self.table(object_type)
        try:
            return table, table.recs[int(record_id)]
        except (KeyError, ValueError):
            raise KeyError(f"{object_type}/{record_id}") from None

    def create(self, object_type: str, properties: dict) -> str:
        with self.lock:
            table = self.table(object_type)
            vals: list = [None] * len(table.names)
            for name, value in properties.items():
                if name in table.pos:
                    vals[table.pos[name]] = None if value is None else str(value)
            now = now_ms()
            rid = table.next_id
            table.add(rid, now, vals, now)
            return str(rid)

    def update(self, object_type: str, record_id, properties: dict) -> None:
        with self.lock:
            table, rec = self._rec(object_type, record_id)
            now = now_ms()
            table.put_version(rec, properties, now, now)

    def touch(self, object_type: str, ids, ts_ms: int) -> None:
        with self.lock:
            for record_id in ids:
                table, rec = self._rec(object_type, record_id)
                table.put_version(rec, {}, int(ts_ms), now_ms())

    def _link(self, src: str, fid: int, dst: str, tid: int) -> None:
        for a, x, b, y in ((src, fid, dst, tid), (dst, tid, src, fid)):
            targets = self.assoc.setdefault((a, b), {}).setdefault(x, [])
            i = bisect_left(targets, y)
            if i == len(targets) or targets[i] != y:
                targets.insert(i, y)

    def associate(self, from_type: str, from_id, to_type: str, to_id) -> None:
        with self.lock:
            self._link(self.resolve(from_type), int(from_id), self.resolve(to_type), int(to_id))

    def dissociate(self, from_type: str, from_id, to_type: str, to_id) -> None:
        with self.lock:
            src, dst = self.resolve(from_type), self.resolve(to_type)
            for a, x, b, y in ((src, int(from_id), dst, int(to_id)), (dst, int(to_id), src, int(from_id))):
                targets = self.assoc.get((a, b), {}).get(x, [])
                if y in targets:
                    targets.remove(y)

    def archive(self, object_type: str, record_id) -> None:
        with self.lock:
            table, rec = self._rec(object_type, record_id)
            table.archive(rec, now_ms())

    def restore(self, object_type: str, record_id) -> None:
        with self.lock:
            table, rec = self._rec(object_type, record_id)
            table.restore(rec)

    def delete(self, object_type: str, record_id) -> None:
        with self.lock:
            table, rec = self._rec(object_type, record_id)
            table.delete(rec)
            for (a, b), by_id in self.assoc.items():
                if a == table.obj.name:
                    for y in by_id.pop(rec.id, []):
                        other = self.assoc.get((b, a), {}).get(y, [])
                        if rec.id in other:
                            other.remove(rec.id)

    def merge(self, object_type: str, winner_id, loser_id) -> None:
        """HubSpot's merge: the loser disappears, its associations move to the winner, and the
        winner lists the loser in `hs_merged_object_ids` (its last-modified moves)."""
        with self.lock:
            table, winner = self._rec(object_type, winner_id)
            _, loser = self._rec(object_type, loser_id)
            for (a, b), by_id in list(self.assoc.items()):
                if a == table.obj.name:
                    for other in list(by_id.get(loser.id, [])):
                        self._link(a, winner.id, b, other)
            merged = winner.latest.vals[table.pos[MERGED_IDS]] or ""
            self.delete(object_type, loser_id)
            ids = [i for i in merged.split(";") if i] + [str(loser.id)]
            self.update(object_type, winner_id, {MERGED_IDS: ";".join(ids)})

    def churn(self, object_type: str, n: int) -> None:
        """Update `n` random live records (a fresh name, last-modified = now)."""
        with self.lock:
            table = self.table(object_type)
            for _ in range(min(n, len(table.ids))):
                rid = self._churn_rng.choice(table.ids)
                name = datagen.name_value(table.obj, self._churn_rng, rid)
                now = now_ms()
                table.put_version(table.recs[rid], {table.obj.name_field: name}, now, now)
