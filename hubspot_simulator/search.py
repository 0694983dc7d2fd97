"""`POST /crm/v3/objects/{type}/search`: validation, index-narrowed execution, response."""

from __future__ import annotations

from dataclasses import dataclass

from .filters import INF, Filter, version_matches
from .model import default_properties
from .store import Rec, Table, Version
from .util import validation_error

MAX_GROUPS, MAX_PER_GROUP, MAX_TOTAL = 5, 6, 18
MAX_LIMIT, MAX_RESULTS, DEFAULT_LIMIT = 200, 10_000, 10


@dataclass
class Query:
    groups: list[list[Filter]]
    sort_prop: str
    descending: bool
    limit: int
    offset: int
    properties: list[str]
    text: str | None


def _int_field(body: dict, key: str, default: int) -> int:
    raw = body.get(key, default)
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw))
    except ValueError:
        raise validation_error(f"Invalid {key}: {raw!r} is not an integer.") from None
    if value < 0:
        raise validation_error(f"Invalid {key}: {raw!r} must not be negative.")
    return value


def _groups(table: Table, body: dict) -> list[list[Filter]]:
    raw_groups = body.get("filterGroups") or []
    if not isinstance(raw_groups, list):
        raise validation_error("filterGroups must be a list.")
    if len(raw_groups) > MAX_GROUPS:
        raise validation_error(f"Too many filter groups: {len(raw_groups)} (at most {MAX_GROUPS}).")
    groups, total = [], 0
    for group in raw_groups:
        filters = group.get("filters") if isinstance(group, dict) else None
        if not isinstance(filters, list):
            raise validation_error("Each filter group must have a 'filters' list.")
        if len(filters) > MAX_PER_GROUP:
            raise validation_error(f"Too many filters in a group: {len(filters)} (at most {MAX_PER_GROUP}).")
        total += len(filters)
        groups.append([Filter(table, f) for f in filters])
    if total > MAX_TOTAL:
        raise validation_error(f"Too many filters: {total} in total (at most {MAX_TOTAL}).")
    return [g for g in groups if g] if any(groups) else []


def _sort(table: Table, body: dict) -> tuple[str, bool]:
    sorts = body.get("sorts") or []
    if not isinstance(sorts, list) or len(sorts) > 1:
        raise validation_error("At most one sort is allowed.")
    if not sorts:
        return "hs_object_id", False
    rule = sorts[0]
    if isinstance(rule, str):
        name, desc = rule.lstrip("-"), rule.startswith("-")
    elif isinstance(rule, dict):
        name, direction = rule.get("propertyName"), rule.get("direction", "ASCENDING")
        if direction not in ("ASCENDING", "DESCENDING"):
            raise validation_error(f"Invalid sort direction {direction!r}.")
        desc = direction == "DESCENDING"
    else:
        raise validation_error("Invalid sort.")
    if name not in table.pos:
        raise validation_error(f"Cannot sort by unknown property {name!r}.")
    return name, desc


def parse_query(table: Table, body: object) -> Query:
    if not isinstance(body, dict):
        raise validation_error("The request body must be a JSON object.")
    limit = _int_field(body, "limit", DEFAULT_LIMIT)
    if limit > MAX_LIMIT:
        raise validation_error(f"limit must be at most {MAX_LIMIT}, got {limit}.")
    offset = _int_field(body, "after", 0)
    if offset + limit > MAX_RESULTS:
        raise validation_error(f"Paging past {MAX_RESULTS} results is not supported "
                               f"(after={offset}, limit={limit}).")
    groups = _groups(table, body)
    sort_prop, desc = _sort(table, body)
    names = [n for n in (body.get("properties") or []) if isinstance(n, str) and n in table.pos]
    text = body.get("query")
    return Query(groups, sort_prop, desc, limit, offset,
                 list(dict.fromkeys(names)) or default_properties(table.obj),
                 str(text).lower() if text else None)


def _split(table: Table, group: list[Filter]) -> tuple[list[float], list[float], list[Filter]]:
    lm_b, id_b, residual = [-INF, INF], [-INF, INF], []
    for f in group:
        target = lm_b if f.prop == table.obj.last_modified else id_b if f.prop == "hs_object_id" else None
        bounds = f.bounds() if target is not None else None
        if bounds is None or target is None:
            residual.append(f)
            continue
        target[0], target[1] = max(target[0], bounds[0]), min(target[1], bounds[1])
    return lm_b, id_b, residual


def _run_group(table: Table, group: list[Filter], sort_lm: bool) -> tuple[list[int], str]:
    """Ids of live records matching the group by their latest version; and their order."""
    (llo, lhi), (ilo, ihi), residual = _split(table, group)
    if llo > lhi or ilo > ihi:
        return [], "id"
    lm_bounded, id_bounded = llo > -INF or lhi < INF, ilo > -INF or ihi < INF
    lm_cnt = table.lm_count(llo, lhi) if lm_bounded else len(table.lm)
    id_cnt = table.id_count(ilo, ihi) if id_bounded else len(table.ids)
    recs = table.recs
    if lm_cnt < id_cnt or (lm_cnt == id_cnt and sort_lm):
        pairs = table.lm_slice(llo, lhi) if lm_bounded else table.lm
        ids = [i for _, i in pairs if ilo <= i <= ihi] if id_bounded else [i for _, i in pairs]
        order = "lm"
    else:
        ids = table.id_slice(ilo, ihi) if id_bounded else table.ids
        if lm_bounded:
            ids = [i for i in ids if llo <= recs[i].versions[-1].lm_ms <= lhi]
        order = "id"
    if residual:
        ids = [i for i in ids if all(f.pred(i, recs[i].versions[-1]) for f in residual)]
    return ids, order


def _text_match(table: Table, text: str, version: Version) -> bool:
    value = version.vals[table.pos[table.obj.name_field]] or ""
    return all(word in value.lower() for word in text.split())


def execute(table: Table, q: Query, cutoff_ms: int | None) -> tuple[int, list[tuple[Rec, Version]]]:
    """(total, page) as search sees the portal at `cutoff_ms` (None: no index lag)."""
    sort_lm = q.sort_prop == table.obj.last_modified
    dirty = table.dirty_since(cutoff_ms) if cutoff_ms is not None else set()
    groups = q.groups or [[]]
    runs = [_run_group(table, g, sort_lm) for g in groups]
    if len(runs) == 1:
        ids, order = runs[0]
    else:
        ids, order = list({i for run, _ in runs for i in run}), "none"
    seen: dict[int, Version] = {}
    if dirty:
        ids = [i for i in ids if i not in dirty]
        seen = _dirty_matches(table, q, dirty, cutoff_ms)
        ids += list(seen)
        order = "none" if seen else order
    recs = table.recs
    if q.text:
        ids = [i for i in ids if _text_match(table, q.text, seen.get(i) or recs[i].versions[-1])]
    ids = _sorted(table, q, ids, order, seen)
    page = ids[q.offset:q.offset + q.limit]
    return len(ids), [(recs[i], seen.get(i) or recs[i].versions[-1]) for i in page]


def _dirty_matches(table: Table, q: Query, dirty: set[int], cutoff_ms: int) -> dict[int, Version]:
    out = {}
    for rid in dirty:
        rec = table.recs.get(rid)
        if rec is None or rec.archived_at is not None:
            continue
        version = rec.visible(cutoff_ms)
        if version is not None and (not q.groups or version_matches(q.groups, rid, version)):
            out[rid] = version
    return out


def _sorted(table: Table, q: Query, ids: list[int], order: str, seen: dict) -> list[int]:
    recs = table.recs

    def version(i: int) -> Version:
        return seen.get(i) or recs[i].versions[-1]

    if q.sort_prop == "hs_object_id":
        ids = ids if order == "id" else sorted(ids)
    elif q.sort_prop == table.obj.last_modified:
        ids = ids if order == "lm" else sorted(ids, key=lambda i: (version(i).lm_ms, i))
    else:
        ids = sorted(ids, key=_prop_key(table, q.sort_prop, version))
    return ids[::-1] if q.descending else ids


def _prop_key(table: Table, name: str, version):
    probe = Filter(table, {"propertyName": name, "operator": "HAS_PROPERTY"})
    get = probe.getter

    def key(i: int):
        value = get(i, version(i))
        if value is None:
            return (1, 0 if probe.numeric else "", i)
        return (0, value, i)
    return key


def response(table: Table, q: Query, total: int, page: list, omit_null: bool, link: str) -> dict:
    pos = [(n, table.pos[n]) for n in q.properties]
    results = []
    for rec, version in page:
        vals = version.vals
        props = {n: vals[p] for n, p in pos}
        if omit_null:
            props = {n: v for n, v in props.items() if v is not None}
        results.append({"id": str(rec.id), "properties": props, "createdAt": vals[table.created_pos],
                        "updatedAt": vals[table.lm_pos], "archived": False})
    body: dict = {"total": total, "results": results}
    nxt = q.offset + q.limit
    if nxt < total and q.limit > 0:
        body["paging"] = {"next": {"after": str(nxt), "link": f"{link}?after={nxt}"}}
    return body

