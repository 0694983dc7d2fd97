"""Search filters: validation of one filter and its compiled predicate over (id, version)."""

from __future__ import annotations

import math
import re
from fnmatch import fnmatchcase
from functools import lru_cache

from .store import Table, Version
from .util import parse_time, validation_error

OPERATORS = frozenset({"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
                       "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"})
RANGE_OPS = frozenset({"EQ", "GT", "GTE", "LT", "LTE", "BETWEEN"})
NEGATIVE = {"NEQ": "EQ", "NOT_IN": "IN", "NOT_HAS_PROPERTY": "HAS_PROPERTY",
            "NOT_CONTAINS_TOKEN": "CONTAINS_TOKEN"}
NUMERIC_TYPES = frozenset({"number", "datetime", "date"})
INF = math.inf
TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=262_144)
def _number(raw: str, ptype: str) -> float | None:
    if ptype == "number":
        try:
            return float(raw)
        except ValueError:
            return None
    return parse_time(raw)


class Filter:
    """One validated filter. `pred(rid, version) -> bool`; `bounds` for index narrowing."""

    def __init__(self, table: Table, raw: object):
        if not isinstance(raw, dict):
            raise validation_error("Each filter must be an object with propertyName and operator.")
        self.prop, self.op = raw.get("propertyName"), raw.get("operator")
        if self.op not in OPERATORS:
            raise validation_error(f"Invalid operator {self.op!r} in filter on {self.prop!r}; "
                                   f"expected one of {', '.join(sorted(OPERATORS))}.")
        if self.prop not in table.pos:
            raise validation_error(f"There was a problem with the request: property {self.prop!r} "
                                   f"does not exist on object type {table.obj.name}.")
        ptype = table.types[self.prop]
        self.numeric = ptype in NUMERIC_TYPES or self.prop == "hs_object_id"
        self.ptype = "number" if self.prop == "hs_object_id" else ptype
        self.multi = table.field_types[self.prop] == "checkbox"
        self.getter = self._getter(table)
        self.operands = self._operands(raw)
        positive = NEGATIVE.get(self.op, self.op)
        test = self._test(positive)
        self.pred = (lambda rid, v: not test(rid, v)) if self.op in NEGATIVE else test

    def _operands(self, raw: dict) -> list:
        op, prop = self.op, self.prop
        if op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
            return []
        if op in ("IN", "NOT_IN"):
            values = raw.get("values")
            if not isinstance(values, list) or not values:
                raise validation_error(f"Operator {op} on {prop!r} requires a non-empty 'values' list.")
            return [self._operand(v) for v in values]
        if raw.get("value") is None:
            raise validation_error(f"Operator {op} on {prop!r} requires a 'value'.")
        if op == "BETWEEN":
            if raw.get("highValue") is None:
                raise validation_error(f"Operator BETWEEN on {prop!r} requires 'value' and 'highValue'.")
            return [self._operand(raw["value"]), self._operand(raw["highValue"])]
        if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
            return [str(raw["value"]).lower()]
        return [self._operand(raw["value"])]

    def _operand(self, value: object) -> object:
        text = str(value).strip()
        if not self.numeric:
            return text.lower()
        number = _number(text, self.ptype)
        if number is None:
            raise validation_error(f"{text!r} is not a valid value for property {self.prop!r} "
                                   f"of type {self.ptype}.")
        return number

    def _getter(self, table: Table):
        prop, pos = self.prop, table.pos[self.prop]
        if prop == "hs_object_id":
            return lambda rid, v: rid
        if prop == table.obj.last_modified:
            return lambda rid, v: v.lm_ms
        if prop == "createdate":
            recs = table.recs
            return lambda rid, v: recs[rid].created_ms
        if self.numeric:
            ptype = self.ptype
            return lambda rid, v: None if not v.vals[pos] else _number(v.vals[pos], ptype)
        return lambda rid, v: v.vals[pos].lower() if v.vals[pos] else None

    def _test(self, op: str):
        get, ops = self.getter, self.operands
        if op == "HAS_PROPERTY":
            return lambda rid, v: get(rid, v) not in (None, "")
        if op == "CONTAINS_TOKEN":
            return lambda rid, v: _has_token(get(rid, v), ops[0])
        if op in ("EQ", "IN"):
            wanted = set(ops)
            if self.multi:
                return lambda rid, v: (x := get(rid, v)) is not None and bool(wanted & set(x.split(";")))
            return lambda rid, v: get(rid, v) in wanted
        lo, hi = self._range(op)
        return lambda rid, v: (x := get(rid, v)) is not None and _within(x, lo, hi, op)

    def _range(self, op: str) -> tuple:
        a = self.operands[0]
        return {"BETWEEN": (a, self.operands[-1]), "GT": (a, None), "GTE": (a, None),
                "LT": (None, a), "LTE": (None, a)}[op]

    def bounds(self) -> tuple[float, float] | None:
        """Inclusive integer bounds when this filter is a numeric range (for index narrowing)."""
        if self.op not in RANGE_OPS or not self.numeric:
            return None
        a, b = self.operands[0], self.operands[-1]
        if self.op == "EQ":
            return (a, a)
        if self.op == "BETWEEN":
            return (math.ceil(a), math.floor(b))
        if self.op in ("GT", "GTE"):
            return (math.floor(a) + 1 if self.op == "GT" else math.ceil(a), INF)
        return (-INF, math.ceil(a) - 1 if self.op == "LT" else math.floor(a))


def _within(x, lo, hi, op: str) -> bool:
    if lo is not None and (x < lo or (op == "GT" and x == lo)):
        return False
    if hi is not None and (x > hi or (op == "LT" and x == hi)):
        return False
    return True


def _has_token(value: str | None, wanted: str) -> bool:
    if not value:
        return False
    if "*" in wanted:
        return any(fnmatchcase(t, wanted) for t in TOKEN_RE.findall(value)) or fnmatchcase(value, wanted)
    if value == wanted:
        return True
    tokens = TOKEN_RE.findall(wanted)
    words = TOKEN_RE.findall(value)
    n = len(tokens)
    return n > 0 and any(words[i:i + n] == tokens for i in range(len(words) - n + 1))


def version_matches(groups: list[list[Filter]], rid: int, version: Version) -> bool:
    return any(all(f.pred(rid, version) for f in group) for group in groups)
