"""CRM read endpoints (everything but search, which is in search.py). Each handler takes a
`Request` and the path groups and returns (status, body, headers) or raises ApiError."""

from __future__ import annotations

from dataclasses import dataclass, field

from .auth import Token, missing_scopes
from .config import SimConfig
from .model import ASSOCIATION_TYPES, DEAL_STAGES, META_TS, PIPELINE_LABELS, ObjectDef, default_properties
from .portal import Portal
from .store import Table
from .util import ApiError, decode_cursor, encode_cursor, error_body, iso_ms, not_found, now_ms, validation_error

OWNERS_SCOPES = ("crm.objects.owners.read",)
SCHEMA_SCOPES = ("crm.schemas.custom.read", "crm.objects.custom.read")


@dataclass
class Request:
    portal: Portal
    config: SimConfig
    method: str
    path: str
    query: dict[str, str]
    body: object = None
    token: Token | None = None
    base_url: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def require(self, alternatives: tuple[str, ...]) -> None:
        if self.token is not None and not (self.token.scopes & set(alternatives)):
            raise missing_scopes(alternatives)

    def flag(self, name: str) -> bool:
        return self.query.get(name, "false").lower() == "true"

    def int_param(self, name: str, default: int, maximum: int) -> int:
        raw = self.query.get(name)
        try:
            value = default if raw in (None, "") else int(raw)
        except ValueError:
            raise validation_error(f"Invalid {name}: {raw!r} is not an integer.") from None
        if value < 1 or value > maximum:
            raise validation_error(f"Invalid {name}: {value} (must be between 1 and {maximum}).")
        return value

    def cursor(self, name: str = "after") -> int | None:
        raw = self.query.get(name) or None
        if raw is None:
            return None
        value = decode_cursor(raw)
        if value is None:
            raise validation_error(f"Invalid paging cursor {name}={raw!r}.")
        return value


def resolve(req: Request, path_name: str) -> ObjectDef:
    try:
        return req.portal.obj(path_name)
    except KeyError:
        raise validation_error(f"Unable to infer object type from: {path_name}") from None


def wanted_properties(table: Table, raw: object) -> list[str]:
    names = raw.split(",") if isinstance(raw, str) else raw if isinstance(raw, list) else []
    names = [n.strip() for n in names if isinstance(n, str) and n.strip()]
    if not names:
        return default_properties(table.obj)
    return list(dict.fromkeys(n for n in names if n in table.pos))


def _assoc_block(req: Request, obj: ObjectDef, rid: int, requested: list[str]) -> dict:
    block = {}
    for name in requested:
        try:
            other = req.portal.resolve(name)
        except KeyError:
            continue  # unknown names are ignored
        type_id, type_name = ASSOCIATION_TYPES.get((obj.name, other), (0, None))
        ids = req.portal.assoc.get((obj.name, other), {}).get(rid, [])
        if ids and type_name:
            block[name] = {"results": [{"id": str(i), "type": type_name} for i in ids]}
    return block


def list_objects(req: Request, type_name: str):
    obj = resolve(req, type_name)
    req.require(obj.read_scopes)
    limit = req.int_param("limit", 10, 100)
    after, archived = req.cursor(), req.flag("archived")
    assoc = [a.strip() for a in req.query.get("associations", "").split(",") if a.strip()]
    portal = req.portal
    with portal.lock:
        table = portal.tables[obj.name]
        names = wanted_properties(table, req.query.get("properties"))
        ids = table.ids_after(after, archived, limit + 1)
        results = []
        for rid in ids[:limit]:
            out = portal.record_json(table, table.recs[rid], names, omit_null=req.config.omit_null_properties)
            if assoc and (block := _assoc_block(req, obj, rid, assoc)):
                out["associations"] = block
            results.append(out)
    body: dict = {"results": results}
    if len(ids) > limit:
        cursor = encode_cursor(ids[limit - 1])
        body["paging"] = {"next": {"after": cursor, "link": f"{req.base_url}{req.path}?after={cursor}"}}
    return 200, body, {}


def get_object(req: Request, type_name: str, record_id: str):
    obj = resolve(req, type_name)
    req.require(obj.read_scopes)
    archived = req.flag("archived")
    with req.portal.lock:
        table = req.portal.tables[obj.name]
        rec = table.recs.get(int(record_id)) if record_id.isdigit() else None
        if rec is None or (rec.archived_at is not None) != archived:
            raise not_found(f"Object not found.  objectId are usually numeric. ({record_id})")
        names = wanted_properties(table, req.query.get("properties"))
        out = req.portal.record_json(table, rec, names, omit_null=req.config.omit_null_properties)
        assoc = [a.strip() for a in req.query.get("associations", "").split(",") if a.strip()]
        if assoc and (block := _assoc_block(req, obj, rec.id, assoc)):
            out["associations"] = block
    return 200, out, {}


def batch_read(req: Request, type_name: str):
    obj = resolve(req, type_name)
    req.require(obj.read_scopes)
    body = req.body if isinstance(req.body, dict) else {}
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise validation_error("inputs must be a list of {\"id\": ...} objects.")
    if len(inputs) > 100:
        raise validation_error(f"The maximum number of inputs supported in a batch request is 100 (got {len(inputs)}).")
    started, archived = iso_ms(now_ms()), req.flag("archived")
    results, missing = [], []
    with req.portal.lock:
        table = req.portal.tables[obj.name]
        names = wanted_properties(table, body.get("properties"))
        for item in inputs:
            raw_id = str(item.get("id", "")) if isinstance(item, dict) else ""
            rec = table.recs.get(int(raw_id)) if raw_id.isdigit() else None
            if rec is None or (rec.archived_at is not None) != archived:
                missing.append(raw_id)
                continue
            results.append(req.portal.record_json(table, rec, names, omit_null=req.config.omit_null_properties))
    out: dict = {"status": "COMPLETE", "results": results, "startedAt": started, "completedAt": iso_ms(now_ms())}
    if not missing:
        return 200, out, {}
    out["numErrors"] = 1
    out["errors"] = [{"status": "error", "category": "OBJECT_NOT_FOUND",
                      "message": "Could not get some objects, they may be deleted or not exist.",
                      "context": {"ids": missing}}]
    return 207, out, {}


def properties(req: Request, type_name: str):
    obj = resolve(req, type_name)
    req.require(obj.schema_scopes)
    return 200, {"results": [] if req.flag("archived") else obj.props}, {}


def schemas(req: Request):
    req.require(SCHEMA_SCOPES)
    return 200, {"results": [] if req.flag("archived") else req.portal.schemas()}, {}


def _assoc_page(req: Request, from_obj: str, to_obj: str, rid: int, after: int | None, size: int):
    """One page of associated ids (as v4 `to` items) and the next cursor, if any."""
    ids = req.portal.assoc.get((from_obj, to_obj), {}).get(rid, [])
    if after is not None:
        ids = [i for i in ids if i > after]
    type_id = ASSOCIATION_TYPES[(from_obj, to_obj)][0] if ids else 0
    kinds = [{"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]
    page = [{"toObjectId": str(i), "associationTypes": kinds} for i in ids[:size]]
    return page, (encode_cursor(ids[size - 1]) if len(ids) > size else None)


def assoc_batch(req: Request, from_name: str, to_name: str):
    from_obj, to_obj = resolve(req, from_name), resolve(req, to_name)
    req.require(from_obj.read_scopes)
    inputs = req.body.get("inputs") if isinstance(req.body, dict) else None
    if not isinstance(inputs, list):
        raise validation_error("inputs must be a list of {\"id\": ...} objects.")
    if len(inputs) > 1000:
        raise validation_error(f"Batch input limit exceeded: {len(inputs)} inputs (at most 1000).")
    started, results = iso_ms(now_ms()), []
    with req.portal.lock:
        for item in inputs:
            raw_id = str(item.get("id", "")) if isinstance(item, dict) else ""
            after = decode_cursor(str(item.get("after"))) if isinstance(item, dict) and item.get("after") else None
            if not raw_id.isdigit():
                continue
            page, nxt = _assoc_page(req, from_obj.name, to_obj.name, int(raw_id), after, req.config.assoc_page_size)
            if not page:
                continue
            result: dict = {"from": {"id": raw_id}, "to": page}
            if nxt:
                result["paging"] = {"next": {"after": nxt, "link": None}}
            results.append(result)
    return 200, {"status": "COMPLETE", "results": results, "startedAt": started,
                 "completedAt": iso_ms(now_ms())}, {}


def assoc_record(req: Request, type_name: str, record_id: str, to_name: str):
    from_obj, to_obj = resolve(req, type_name), resolve(req, to_name)
    req.require(from_obj.read_scopes)
    limit = req.int_param("limit", 500, 500)
    if not record_id.isdigit():
        raise not_found(f"Object not found ({record_id})")
    with req.portal.lock:
        page, nxt = _assoc_page(req, from_obj.name, to_obj.name, int(record_id), req.cursor(), limit)
    body: dict = {"results": page}
    if nxt:
        body["paging"] = {"next": {"after": nxt, "link": f"{req.base_url}{req.path}?after={nxt}"}}
    return 200, body, {}


def owners(req: Request):
    req.require(OWNERS_SCOPES)
    limit = req.int_param("limit", 100, 500)
    after, archived, email = req.cursor(), req.flag("archived"), req.query.get("email")
    rows = [o for o in req.portal.owners() if o["archived"] == archived
            and (not email or o["email"] == email.lower()) and (after is None or int(o["id"]) > after)]
    body: dict = {"results": rows[:limit]}
    if len(rows) > limit:
        cursor = encode_cursor(int(rows[limit - 1]["id"]))
        body["paging"] = {"next": {"after": cursor, "link": f"{req.base_url}{req.path}?after={cursor}"}}
    return 200, body, {}


def owner(req: Request, owner_id: str):
    req.require(OWNERS_SCOPES)
    for row in req.portal.owners():
        if row["id"] == owner_id or (req.query.get("idProperty") == "userId" and str(row["userId"]) == owner_id):
            return 200, row, {}
    raise not_found(f"Owner {owner_id} not found")


def pipelines(req: Request, type_name: str):
    obj = resolve(req, type_name)
    req.require(obj.read_scopes)
    if obj.name != "deals":
        return 200, {"results": []}, {}
    results = []
    for order, (pid, label) in enumerate(PIPELINE_LABELS.items()):
        stages = [{"id": sid, "label": sid.replace("_", " ").title(), "displayOrder": i, "archived": False,
                   "createdAt": META_TS, "updatedAt": META_TS, "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                   "metadata": {"probability": "1.0" if "won" in sid else "0.0" if "lost" in sid else "0.5",
                                "isClosed": str("won" in sid or "lost" in sid).lower()}}
                  for i, sid in enumerate(DEAL_STAGES[pid])]
        results.append({"id": pid, "label": label, "displayOrder": order, "archived": False,
                        "createdAt": "1970-01-01T00:00:00Z" if pid == "default" else META_TS,
                        "updatedAt": META_TS, "stages": stages})
    return 200, {"results": results}, {}


def method_not_allowed(req: Request) -> ApiError:
    return ApiError(405, error_body(f"This simulator is read-only: {req.method} {req.path} is not supported.",
                                    "VALIDATION_ERROR", subCategory="METHOD_NOT_ALLOWED"))
