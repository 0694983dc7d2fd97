"""Records with versions, and the per-object indexes search narrows with (not thread-safe:
the Portal holds the lock)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort

from .model import ObjectDef
from .util import iso_ms

KEEP_VERSIONS = 6
BIG = 1 << 62


class Version:
    """One state of a record: values aligned with the table's property names."""

    __slots__ = ("write_ms", "lm_ms", "vals")

    def __init__(self, write_ms: int, lm_ms: int, vals: tuple):
        self.write_ms = write_ms
        self.lm_ms = lm_ms
        self.vals = vals


class Rec:
    __slots__ = ("id", "created_ms", "versions", "archived_at")

    def __init__(self, rid: int, created_ms: int, version: Version):
        self.id = rid
        self.created_ms = created_ms
        self.versions = [version]
        self.archived_at: int | None = None

    @property
    def latest(self) -> Version:
        return self.versions[-1]

    def visible(self, cutoff_ms: int) -> Version | None:
        """The newest version written at or before the cutoff (what search sees)."""
        for version in reversed(self.versions):
            if version.write_ms <= cutoff_ms:
                return version
        return None


class Table:
    """All records of one object type, indexed by id and by (last-modified, id)."""

    def __init__(self, obj: ObjectDef):
        self.obj = obj
        self.names: list[str] = obj.prop_names
        self.pos: dict[str, int] = {n: i for i, n in enumerate(self.names)}
        self.types: dict[str, str] = {p["name"]: p["type"] for p in obj.props}
        self.field_types: dict[str, str] = {p["name"]: p["fieldType"] for p in obj.props}
        self.lm_pos = self.pos[obj.last_modified]
        self.id_pos = self.pos["hs_object_id"]
        self.created_pos = self.pos["createdate"]
        self.recs: dict[int, Rec] = {}
        self.ids: list[int] = []  # live ids, sorted
        self.lm: list[tuple[int, int]] = []  # live (lm_ms, id), sorted
        self.recent: list[tuple[int, int]] = []  # (write_ms, id) of writes, in write order
        self.next_id = 1001

    # ----- bulk load (seed data) -----
    def load(self, recs: list[Rec]) -> None:
        for rec in recs:
            self.recs[rec.id] = rec
            self.next_id = max(self.next_id, rec.id + 7)
        self.ids = sorted(r.id for r in recs)
        self.lm = sorted((r.latest.lm_ms, r.id) for r in recs)

    # ----- writes -----
    def _record_write(self, write_ms: int, rid: int) -> int:
        if self.recent and self.recent[-1][0] > write_ms:
            write_ms = self.recent[-1][0]
        self.recent.append((write_ms, rid))
        if len(self.recent) > 1_000_000:
            del self.recent[:500_000]
        return write_ms

    def add(self, rid: int, created_ms: int, vals: list, write_ms: int) -> Rec:
        vals[self.id_pos] = str(rid)
        vals[self.created_pos] = iso_ms(created_ms)
        vals[self.lm_pos] = iso_ms(created_ms)
        write_ms = self._record_write(write_ms, rid)
        rec = Rec(rid, created_ms, Version(write_ms, created_ms, tuple(vals)))
        self.recs[rid] = rec
        insort(self.ids, rid)
        insort(self.lm, (created_ms, rid))
        self.next_id = max(self.next_id, rid + 1)
        return rec

    def put_version(self, rec: Rec, changes: dict[str, str | None], lm_ms: int, write_ms: int) -> None:
        vals = list(rec.latest.vals)
        for name, value in changes.items():
            if name in self.pos and name not in ("hs_object_id", "createdate"):
                vals[self.pos[name]] = None if value is None else str(value)
        vals[self.lm_pos] = iso_ms(lm_ms)
        live = rec.archived_at is None
        if live:
            self._unindex_lm(rec)
        write_ms = self._record_write(write_ms, rec.id)
        rec.versions.append(Version(write_ms, lm_ms, tuple(vals)))
        if len(rec.versions) > KEEP_VERSIONS:
            del rec.versions[0]
        if live:
            insort(self.lm, (lm_ms, rec.id))

    def _unindex_lm(self, rec: Rec) -> None:
        key = (rec.latest.lm_ms, rec.id)
        i = bisect_left(self.lm, key)
        if i < len(self.lm) and self.lm[i] == key:
            del self.lm[i]

    def _unindex(self, rec: Rec) -> None:
        self._unindex_lm(rec)
        i = bisect_left(self.ids, rec.id)
        if i < len(self.ids) and self.ids[i] == rec.id:
            del self.ids[i]

    def archive(self, rec: Rec, at_ms: int) -> None:
        if rec.archived_at is None:
            self._unindex(rec)
            rec.archived_at = at_ms

    def restore(self, rec: Rec) -> None:
        if rec.archived_at is not None:
            rec.archived_at = None
            insort(self.ids, rec.id)
            insort(self.lm, (rec.latest.lm_ms, rec.id))

    def delete(self, rec: Rec) -> None:
        if rec.archived_at is None:
            self._unindex(rec)
        del self.recs[rec.id]

    # ----- reads -----
    def dirty_since(self, cutoff_ms: int) -> set[int]:
        """Ids written after the cutoff: search must not trust the latest-version indexes for them."""
        start = bisect_right(self.recent, (cutoff_ms, BIG))
        return {rid for _, rid in self.recent[start:]}

    def lm_slice(self, lo: int, hi: int) -> list[tuple[int, int]]:
        """Live (lm_ms, id) with lo <= lm_ms <= hi, in order."""
        return self.lm[bisect_left(self.lm, (lo, -1)):bisect_right(self.lm, (hi, BIG))]

    def lm_count(self, lo: int, hi: int) -> int:
        return bisect_right(self.lm, (hi, BIG)) - bisect_left(self.lm, (lo, -1))

    def id_slice(self, lo: int, hi: int) -> list[int]:
        return self.ids[bisect_left(self.ids, lo):bisect_right(self.ids, hi)]

    def id_count(self, lo: int, hi: int) -> int:
        return bisect_right(self.ids, hi) - bisect_left(self.ids, lo)

    def ids_after(self, after: int | None, archived: bool, limit: int) -> list[int]:
        """Up to `limit` ids (live, or only archived) greater than `after`, sorted."""
        start = after if after is not None else -1
        if not archived:
            i = bisect_right(self.ids, start)
            return self.ids[i:i + limit]
        return sorted(r.id for r in self.recs.values()
                      if r.archived_at is not None and r.id > start)[:limit]
