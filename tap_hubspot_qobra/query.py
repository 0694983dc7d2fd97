"""The config `filters` check and the bodies of HubSpot search requests (FACTS §3.4, §5).

Every query has one filter group: the engine's window (and keyset) filters, then the user's.
"""

from __future__ import annotations

import math
from collections.abc import Container, Mapping, Sequence
from datetime import timedelta

from tap_hubspot_qobra.typemap import EPOCH, CoercionError, format_datetime, parse_datetime

OPERATORS: frozenset[str] = frozenset({
    "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
    "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
})
MAX_FILTERS_PER_GROUP = 6
ENGINE_FILTERS = 2  # the last-modified window and the keyset `hs_object_id GT last_id`
MAX_USER_FILTERS = MAX_FILTERS_PER_GROUP - ENGINE_FILTERS
PAGE_SIZE = 200
ID_PROPERTY = "hs_object_id"

# Which operand keys each operator takes; every other operand key is refused.
_SINGLE_VALUE = frozenset({"value"})
_OPERANDS: dict[str, frozenset[str]] = {
    **{op: _SINGLE_VALUE for op in ("EQ", "NEQ", "LT", "LTE", "GT", "GTE")},
    **{op: _SINGLE_VALUE for op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN")},
    "BETWEEN": frozenset({"value", "highValue"}),
    "IN": frozenset({"values"}),
    "NOT_IN": frozenset({"values"}),
    "HAS_PROPERTY": frozenset(),
    "NOT_HAS_PROPERTY": frozenset(),
}
_OPERAND_KEYS = ("value", "highValue", "values")
_FILTER_KEYS = frozenset({"propertyName", "operator", *_OPERAND_KEYS})
_PREVIEW_CHARS = 40
_ONE_MS = timedelta(milliseconds=1)


class FilterError(ValueError):
    """A config `filters` entry HubSpot would refuse or the tap cannot place."""


def _preview(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _PREVIEW_CHARS else text[:_PREVIEW_CHARS] + "..."


def _operand_text(value: object, where: str) -> str:
    """HubSpot operands are strings; numbers and booleans from YAML/JSON config are converted."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        # 1.7e12 (epoch ms written as a float) must become "1700000000000", not "1.7e+12".
        return str(int(value)) if value.is_integer() else repr(value)
    raise FilterError(
        f"{where}: operand must be a string, number or boolean, got {_preview(value)}"
    )


def _operands(raw: Mapping, operator: str, where: str) -> dict[str, object]:
    expected = _OPERANDS[operator]
    given = {key for key in _OPERAND_KEYS if key in raw}
    if given != expected:
        wanted = ", ".join(sorted(expected)) or "no operand"
        raise FilterError(f"{where}: operator {operator} takes {wanted}, got {sorted(given)}")
    operands: dict[str, object] = {}
    for key in ("value", "highValue"):
        if key in expected:
            operands[key] = _operand_text(raw[key], where)
    if "values" in expected:
        values = raw["values"]
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise FilterError(f"{where}: operator {operator} needs a non-empty `values` list")
        operands["values"] = [_operand_text(v, where) for v in values]
    return operands


def _validate_filter(raw: object, where: str, known: Container[str]) -> dict:
    if not isinstance(raw, Mapping):
        raise FilterError(f"{where}: a filter must be an object, got {_preview(raw)}")
    unknown_keys = sorted(str(key) for key in raw if key not in _FILTER_KEYS)
    if unknown_keys:
        raise FilterError(f"{where}: unknown filter keys {_preview(unknown_keys)}")
    name = raw.get("propertyName")
    if not isinstance(name, str) or name not in known:
        raise FilterError(f"{where}: unknown property {_preview(name)}")
    operator = raw.get("operator")
    # HubSpot wants upper case; accepting `eq` costs nothing and spares users a failed run.
    normalized = operator.upper() if isinstance(operator, str) else None
    if normalized not in OPERATORS:
        raise FilterError(f"{where}: unknown operator {_preview(operator)} for property {name!r}")
    where = f"{where} ({name})"
    return {"propertyName": name, "operator": normalized, **_operands(raw, normalized, where)}


def validate_filters(
    config_filters: object, properties: Mapping[str, set[str]]
) -> dict[str, list[dict]]:
    """The config `filters` checked and normalised: stream -> filters ready for a search body.

    `properties` maps each stream to its known property names. Operands come back as strings and
    operators in upper case. Raises a one-line FilterError on the first problem.
    """
    if config_filters is None:
        return {}
    if not isinstance(config_filters, Mapping):
        raise FilterError(
            "filters: must be an object mapping stream name to a list of filters, "
            f"got {type(config_filters).__name__}"
        )
    validated: dict[str, list[dict]] = {}
    for stream, stream_filters in config_filters.items():
        if stream not in properties:
            raise FilterError(f"filters: unknown stream {_preview(stream)}")
        if isinstance(stream_filters, (str, bytes)) or not isinstance(stream_filters, Sequence):
            raise FilterError(f"filters.{stream}: must be a list of filters")
        if len(stream_filters) > MAX_USER_FILTERS:
            raise FilterError(
                f"filters.{stream}: {len(stream_filters)} filters, at most {MAX_USER_FILTERS} "
                f"(HubSpot allows {MAX_FILTERS_PER_GROUP} per query, the tap uses {ENGINE_FILTERS})"
            )
        validated[stream] = [
            _validate_filter(raw, f"filters.{stream}[{index}]", properties[stream])
            for index, raw in enumerate(stream_filters)
        ]
    return validated


# --- search bodies ---------------------------------------------------------------------------

def window_filter(last_modified: str, lo_ms: int, hi_ms: int) -> dict:
    """`last_modified` in `[lo_ms, hi_ms)`; BETWEEN is inclusive, hence `hi_ms - 1`."""
    if lo_ms >= hi_ms:
        raise ValueError(f"empty window [{lo_ms}, {hi_ms}) on {last_modified}")
    return {
        "propertyName": last_modified, "operator": "BETWEEN",
        "value": str(lo_ms), "highValue": str(hi_ms - 1),
    }


def _filter_groups(engine_filters: list[dict], user_filters: Sequence[dict]) -> list[dict]:
    if len(user_filters) > MAX_USER_FILTERS:
        raise ValueError(f"{len(user_filters)} user filters, at most {MAX_USER_FILTERS}")
    # Copies, so that a caller changing a body never changes the validated config.
    filters = engine_filters + [dict(f) for f in user_filters]
    return [{"filters": filters}] if filters else []


def page_body(
    *, last_modified: str, lo_ms: int, hi_ms: int, after_id: int | None,
    properties: Sequence[str], user_filters: Sequence[dict], limit: int = PAGE_SIZE,
) -> dict:
    """One keyset page of a window: ids above `after_id` (all ids when None), ascending id."""
    engine = [window_filter(last_modified, lo_ms, hi_ms)]
    if after_id is not None:
        engine.append({"propertyName": ID_PROPERTY, "operator": "GT", "value": str(after_id)})
    return {
        "filterGroups": _filter_groups(engine, user_filters),
        "sorts": [{"propertyName": ID_PROPERTY, "direction": "ASCENDING"}],
        "properties": list(properties),
        "limit": limit,
    }


def id_range_page_body(
    *, lo_id: int, hi_id: int, after_id: int | None, properties: Sequence[str], limit: int = PAGE_SIZE,
) -> dict:
    """One keyset page of the ids in `[lo_id, hi_id)`, ascending: a complete read split by id."""
    engine = [{"propertyName": ID_PROPERTY, "operator": "BETWEEN", "value": str(lo_id),
               "highValue": str(hi_id - 1)}]
    if after_id is not None:
        engine.append({"propertyName": ID_PROPERTY, "operator": "GT", "value": str(after_id)})
    return {
        "filterGroups": [{"filters": engine}],
        "sorts": [{"propertyName": ID_PROPERTY, "direction": "ASCENDING"}],
        "properties": list(properties),
        "limit": limit,
    }


def edge_id_body(direction: str) -> dict:
    """The smallest (ASCENDING) or largest (DESCENDING) id of a table; `total` is its size."""
    return {"sorts": [{"propertyName": ID_PROPERTY, "direction": direction}],
            "properties": [ID_PROPERTY], "limit": 1}


def count_body(*, last_modified: str, lo_ms: int, hi_ms: int, user_filters: Sequence[dict]) -> dict:
    """A window's record count: the caller reads the response's `total`."""
    return {
        "filterGroups": _filter_groups([window_filter(last_modified, lo_ms, hi_ms)], user_filters),
        "properties": [ID_PROPERTY],
        "limit": 1,
    }


def _edge_modified_body(last_modified: str, user_filters: Sequence[dict], direction: str) -> dict:
    body: dict = {
        "sorts": [{"propertyName": last_modified, "direction": direction}],
        "properties": [last_modified],
        "limit": 1,
    }
    groups = _filter_groups([], user_filters)
    if groups:
        body["filterGroups"] = groups
    return body


def first_modified_body(*, last_modified: str, user_filters: Sequence[dict]) -> dict:
    """The record modified first (sort ascending, limit 1), under the user's filters."""
    return _edge_modified_body(last_modified, user_filters, "ASCENDING")


# --- time helpers ----------------------------------------------------------------------------

def datetime_to_ms(text: str) -> int:
    """Epoch ms of an ISO-8601 date or date-time (naive = UTC) or of epoch-ms text."""
    try:
        moment = parse_datetime(text.strip())
    except (CoercionError, AttributeError):
        raise ValueError(f"not an ISO-8601 date-time: {_preview(text)}") from None
    return (moment - EPOCH) // _ONE_MS


def ms_to_iso(ms: int) -> str:
    """`YYYY-MM-DDTHH:MM:SS.mmmZ` of epoch ms."""
    return format_datetime(EPOCH + ms * _ONE_MS)
