"""HubSpot property -> JSON schema, Qobra type, and typed values.

HubSpot sends every property value as a string (FACTS §2); `coerce` turns it into the JSON value
the record carries. It runs for every value of every record, so it dispatches through a dict of
per-type functions and keeps regexes off the common paths.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

QOBRA_TYPES = ("amount", "number", "user", "string", "picklist", "bool", "date")

OWNER_REFERENCE_TYPES = frozenset({"OWNER", "USER"})
OWNER_PROPERTY_NAME = "hubspot_owner_id"
OWNER_PROPERTY_SUFFIX = "_owner_id"

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_EPOCH_ORDINAL = EPOCH.toordinal()
_MS_PER_DAY = 86_400_000
_PREVIEW_CHARS = 40


class CoercionError(ValueError):
    """A property value that cannot be read as its HubSpot type."""


@dataclass(frozen=True)
class Field:
    """One HubSpot property, as the tap describes it in the catalog and the `fields` stream."""

    name: str
    label: str
    hubspot_type: str
    field_type: str
    qobra_type: str
    options: tuple[tuple[str, str], ...]  # (value, label), in displayOrder
    json_schema: dict = field(hash=False)  # always nullable

    def to_catalog_metadata(self) -> dict[str, str]:
        """The property-level catalog metadata keys of CONTRACT.md."""
        return {
            "hubspot-type": self.hubspot_type,
            "hubspot-field-type": self.field_type,
            "qobra-type": self.qobra_type,
            "label": self.label,
        }

    def options_json(self) -> list[dict[str, str]]:
        """The picklist options as JSON objects, in display order."""
        return [{"value": value, "label": label} for value, label in self.options]


# --- describing a property -------------------------------------------------------------------

def json_schema_for(hubspot_type: str) -> dict:
    """The (nullable) JSON schema of a property's values; a fresh dict each call."""
    if hubspot_type == "number":
        return {"type": ["number", "null"]}
    if hubspot_type == "bool":
        return {"type": ["boolean", "null"]}
    if hubspot_type == "datetime":
        return {"type": ["string", "null"], "format": "date-time"}
    if hubspot_type == "date":
        return {"type": ["string", "null"], "format": "date"}
    return {"type": ["string", "null"]}


def _is_currency(prop: Mapping) -> bool:
    return (
        prop.get("showCurrencySymbol") is True
        or prop.get("numberDisplayHint") == "currency"
        or bool(prop.get("currencyPropertyName"))
    )


def _refers_to_owner(prop: Mapping) -> bool:
    name = str(prop.get("name") or "")
    return (
        prop.get("referencedObjectType") in OWNER_REFERENCE_TYPES
        or name == OWNER_PROPERTY_NAME
        or name.endswith(OWNER_PROPERTY_SUFFIX)
    )


def qobra_type(prop: Mapping) -> str:
    """The Qobra type (one of QOBRA_TYPES) of a properties-API `Property` object."""
    hubspot_type = prop.get("type")
    if hubspot_type == "number":
        return "amount" if _is_currency(prop) else "number"
    if hubspot_type == "enumeration":
        return "user" if _refers_to_owner(prop) else "picklist"
    if hubspot_type in ("datetime", "date"):
        return "date"
    if hubspot_type in ("user", "bool"):
        return hubspot_type
    return "string"


def _display_order(option: Mapping) -> tuple[bool, int]:
    # Options without an integer displayOrder go last, keeping HubSpot's order among themselves.
    order = option.get("displayOrder")
    if isinstance(order, int) and not isinstance(order, bool):
        return (False, order)
    return (True, 0)


def _options(prop: Mapping) -> tuple[tuple[str, str], ...]:
    raw_options = prop.get("options") or []
    usable = [o for o in raw_options if isinstance(o, Mapping) and o.get("value") is not None]
    usable.sort(key=_display_order)
    return tuple((str(o["value"]), str(o.get("label") or o["value"])) for o in usable)


def field_from_property(prop: Mapping) -> Field:
    """A `Field` from a properties-API `Property` object; ValueError when it has no name."""
    name = prop.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"HubSpot property without a name: {_preview(prop)}")
    hubspot_type = str(prop.get("type") or "string")
    return Field(
        name=name,
        label=str(prop.get("label") or name),
        hubspot_type=hubspot_type,
        field_type=str(prop.get("fieldType") or ""),
        qobra_type=qobra_type(prop),
        options=_options(prop),
        json_schema=json_schema_for(hubspot_type),
    )


# --- time helpers (shared with query.py) -------------------------------------------------------

def format_datetime(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC; naive datetimes are taken as UTC."""
    if moment.tzinfo is timezone.utc:
        utc = moment  # parse_datetime's output: skip the conversion on the hot path
    elif moment.tzinfo is None:
        utc = moment
    else:
        utc = moment.astimezone(timezone.utc)
    return (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T"
        f"{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}.{utc.microsecond // 1000:03d}Z"
    )


def _is_epoch_text(text: str) -> bool:
    digits = text[1:] if text.startswith("-") else text
    return digits.isascii() and digits.isdigit()


def parse_datetime(text: str) -> datetime:
    """An aware UTC datetime from ISO-8601 (any offset; naive = UTC) or epoch-ms text.

    Raises CoercionError (a ValueError) on anything else.
    """
    try:
        if _is_epoch_text(text):
            return EPOCH + timedelta(milliseconds=int(text))
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise CoercionError(f"not a date-time: {_preview(text)}") from None


# --- coercion --------------------------------------------------------------------------------

def _preview(raw: object) -> str:
    try:
        text = raw if isinstance(raw, str) else str(raw)
    except Exception:  # a hostile __str__ must not hide the real problem
        text = f"<{type(raw).__name__}>"
    if len(text) > _PREVIEW_CHARS:
        text = text[:_PREVIEW_CHARS] + "..."
    return repr(text)


def _to_number(raw: object) -> int | float | None:
    if type(raw) is str and raw.isascii():
        # The common cases, "17" and "0.35", decided in a fraction of the general path.
        if raw.isdigit() and len(raw) < 19:
            return int(raw)
        head, dot, tail = raw.partition(".")
        if dot and head.isdigit() and tail.isdigit() and len(raw) < 19:
            return float(raw)
    if type(raw) is int:
        return raw
    if type(raw) is float:
        if math.isfinite(raw):
            return raw
        raise CoercionError(f"not a finite number: {_preview(raw)}")
    if not isinstance(raw, str):
        raise CoercionError(f"not a number: {_preview(raw)}")
    text = raw.strip()
    if not text:
        return None
    # Python's int()/float() also accept "1_000", non-ASCII digits, "nan" and "inf": none is JSON.
    if text.isascii() and "_" not in text:
        unsigned = text[1:] if text[0] in "+-" else text
        if unsigned.isdigit():
            try:
                return int(text)
            except ValueError:  # beyond int's 4300-digit limit for text
                pass
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            return number
    raise CoercionError(f"not a number: {_preview(raw)}")


_BOOL_TEXT = {"true": True, "false": False, "1": True, "0": False}


def _to_bool(raw: object) -> bool | None:
    if type(raw) is bool:
        return raw
    if not isinstance(raw, str):
        raise CoercionError(f"not a boolean: {_preview(raw)}")
    value = _BOOL_TEXT.get(raw)
    if value is not None:
        return value
    text = raw.strip().lower()
    if not text:
        return None
    value = _BOOL_TEXT.get(text)
    if value is None:
        raise CoercionError(f"not a boolean: {_preview(raw)}")
    return value


_fromisoformat = datetime.fromisoformat


def _to_datetime(raw: object) -> str | None:
    # HubSpot's own form (FACTS §2), checked inline: this runs for every datetime of every record.
    # fromisoformat checks the digits; the shape check rules out other ISO spellings of the same
    # length (week dates, basic format) that would not come out as HubSpot's form.
    if type(raw) is str and len(raw) == 24 and raw[23] == "Z" and raw[10] == "T" and raw[19] == ".":
        if raw[4] == raw[7] == "-" and raw[13] == raw[16] == ":" and raw.isascii():
            try:
                _fromisoformat(raw)
            except ValueError:
                pass
            else:
                return raw
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return None
        moment = parse_datetime(text)
    elif type(raw) is int:
        moment = parse_datetime(str(raw))
    elif isinstance(raw, datetime):
        moment = raw
    else:
        raise CoercionError(f"not a date-time: {_preview(raw)}")
    try:
        return format_datetime(moment)
    except (ValueError, OverflowError):
        raise CoercionError(f"date-time out of range: {_preview(raw)}") from None


def _is_canonical_date(text: str) -> bool:
    if not (len(text) == 10 and text[4] == "-" and text[7] == "-" and text.isascii()):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _date_from_text(text: str) -> date:
    try:
        if _is_epoch_text(text):
            # Epoch ms is UTC by definition; day arithmetic is much cheaper than a datetime.
            return date.fromordinal(_EPOCH_ORDINAL + int(text) // _MS_PER_DAY)
        # An ISO date-time keeps the calendar date it was written with, whatever its offset.
        return datetime.fromisoformat(text).date()
    except (ValueError, OverflowError):
        raise CoercionError(f"not a date: {_preview(text)}") from None


def _to_date(raw: object) -> str | None:
    if isinstance(raw, str):
        if _is_canonical_date(raw):
            return raw
        text = raw.strip()
        if not text:
            return None
        day = _date_from_text(text)
    elif type(raw) is int:
        day = _date_from_text(str(raw))
    elif isinstance(raw, date):
        day = raw.date() if isinstance(raw, datetime) else raw
    else:
        raise CoercionError(f"not a date: {_preview(raw)}")
    return day.isoformat()


_COERCERS: dict[str, Callable[[object], object]] = {
    "number": _to_number,
    "bool": _to_bool,
    "datetime": _to_datetime,
    "date": _to_date,
}


def coerce(hubspot_type: str, raw: object) -> object:
    """The typed JSON value of one raw property value; `None` and `""` give `None`.

    Raises CoercionError (a ValueError) on a value that does not fit a number/bool/datetime/date
    type. Any other type gives `str(raw)`.
    """
    if raw is None or raw == "":
        return None
    coercer = _COERCERS.get(hubspot_type)
    if coercer is not None:
        return coercer(raw)
    return _as_text(raw)


def _as_text(raw: object) -> str:
    if type(raw) is str:
        return raw
    try:
        return str(raw)
    except Exception:
        raise CoercionError(f"value of type {type(raw).__name__} has no text form") from None


def _text_or_none(raw: object) -> str | None:
    """The slow side of the record comprehension: empty text, None, or a value that is not text."""
    if raw is None or raw == "":
        return None
    try:
        return _as_text(raw)
    except CoercionError:
        return None


@dataclass(frozen=True)
class Coercers:
    """A table's fields compiled for the hot path: which names exist, and which need converting."""

    known: frozenset[str]
    converters: tuple[tuple[str, Callable[[object], object]], ...]


def compile_coercers(fields: Mapping[str, Field]) -> Coercers:
    """Look the per-type functions up once per table, not once per value."""
    converters = tuple(
        (name, _COERCERS[field.hubspot_type]) for name, field in fields.items()
        if field.hubspot_type in _COERCERS
    )
    return Coercers(known=frozenset(fields), converters=converters)


def coerce_with(coercers: Coercers, props: Mapping[str, object]) -> tuple[dict[str, object], list[str]]:
    """`coerce_properties` with the per-field work resolved: the hot path of a sync.

    Most values are text that stays text: one dict comprehension handles them (and "" -> None);
    only number, bool, datetime and date fields then get a Python call each.
    """
    typed = {name: raw if type(raw) is str and raw else _text_or_none(raw) for name, raw in props.items()}
    unknown = typed.keys() - coercers.known
    for name in unknown:
        del typed[name]
    bad: list[str] = []
    for name, convert in coercers.converters:
        raw = typed.get(name)
        if raw is not None:
            try:
                typed[name] = convert(raw)
            except CoercionError:
                typed[name] = None
                bad.append(name)
    return typed, bad


def coerce_properties(
    fields: Mapping[str, Field], props: Mapping[str, object]
) -> tuple[dict[str, object], list[str]]:
    """Typed values for the keys of `props` that are in `fields`, and the names of bad values.

    A bad value becomes `None`; its name is listed so the caller can log one warning per value.
    """
    return coerce_with(compile_coercers(fields), props)
