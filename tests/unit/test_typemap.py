"""typemap: property description, Qobra types, value coercion."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tap_hubspot_qobra.typemap import (
    QOBRA_TYPES,
    CoercionError,
    Field,
    coerce,
    coerce_properties,
    field_from_property,
    json_schema_for,
    qobra_type,
)

DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HUBSPOT_TYPES = ("number", "bool", "datetime", "date", "string", "enumeration",
                 "phone_number", "json", "object_coordinates", "user", "mystery")


@pytest.mark.parametrize(
    ("hubspot_type", "raw", "expected"),
    [
        # empty
        ("number", None, None), ("number", "", None), ("string", "", None),
        ("bool", None, None), ("datetime", "", None), ("date", None, None),
        ("number", "   ", None), ("bool", " ", None), ("datetime", " ", None), ("date", "  ", None),
        # numbers
        ("number", "17", 17), ("number", "-17", -17), ("number", " 17 ", 17), ("number", "0", 0),
        ("number", "1.5", 1.5), ("number", "-0.25", -0.25), ("number", "1e3", 1000.0),
        ("number", "17.0", 17.0), ("number", "12345678901234567890123", 12345678901234567890123),
        ("number", 42, 42), ("number", 2.5, 2.5),
        # booleans
        ("bool", "true", True), ("bool", "false", False), ("bool", "TRUE", True),
        ("bool", "False", False), ("bool", " true ", True), ("bool", "1", True),
        ("bool", "0", False),
        ("bool", True, True), ("bool", False, False),
        # date-times
        ("datetime", "2024-01-15T14:22:10.456Z", "2024-01-15T14:22:10.456Z"),
        ("datetime", "2024-01-15T14:22:10Z", "2024-01-15T14:22:10.000Z"),
        ("datetime", "2024-01-15T14:22:10.456789Z", "2024-01-15T14:22:10.456Z"),
        ("datetime", "2024-01-15T16:22:10.456+02:00", "2024-01-15T14:22:10.456Z"),
        ("datetime", "2024-01-15T00:30:00-05:00", "2024-01-15T05:30:00.000Z"),
        ("datetime", "2024-01-15T14:22:10", "2024-01-15T14:22:10.000Z"),
        ("datetime", "2024-01-15", "2024-01-15T00:00:00.000Z"),
        ("datetime", "1572480000000", "2019-10-31T00:00:00.000Z"),
        ("datetime", "1705328530456", "2024-01-15T14:22:10.456Z"),
        ("datetime", "0", "1970-01-01T00:00:00.000Z"),
        ("datetime", "-1", "1969-12-31T23:59:59.999Z"),
        ("datetime", 1705328530456, "2024-01-15T14:22:10.456Z"),
        ("datetime", datetime(2024, 1, 15, 14, 22, 10, 456000, tzinfo=timezone.utc),
         "2024-01-15T14:22:10.456Z"),
        ("datetime", "2024-W03-1T14:22:10.456Z", "2024-01-15T14:22:10.456Z"),
        # dates
        ("date", "2024-01-15", "2024-01-15"), ("date", "1572480000000", "2019-10-31"),
        ("date", "2024-01-15T00:00:00.000Z", "2024-01-15"),
        ("date", "2024-01-15T23:30:00-05:00", "2024-01-15"),  # the calendar date as written
        ("date", " 2024-01-15 ", "2024-01-15"),
        ("date", "86400000", "1970-01-02"),  # all digits: epoch ms, never basic ISO
        ("date", 1572480000000, "2019-10-31"), ("date", date(2024, 1, 15), "2024-01-15"),
        ("date", "0001-01-01", "0001-01-01"),
        # everything else is text
        ("string", "hello", "hello"), ("string", " padded ", " padded "),
        ("enumeration", "chocolate;strawberry", "chocolate;strawberry"),
        ("phone_number", "+33 1 23", "+33 1 23"), ("mystery", 17, "17"),
        ("json", '{"a":1}', '{"a":1}'),
        ("string", "true", "true"),
    ],
)
def test_coerce_good_values(hubspot_type: str, raw: object, expected: object) -> None:
    result = coerce(hubspot_type, raw)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("hubspot_type", "raw", "message_part"),
    [
        ("number", "1,234", "1,234"), ("number", "NaN", "NaN"), ("number", "inf", "inf"),
        ("number", "-Infinity", "Infinity"), ("number", "1_000", "1_000"), ("number", "abc", "abc"),
        ("number", "١٢", "number"), ("number", "0x10", "0x10"), ("number", True, "True"),
        ("number", float("nan"), "nan"), ("number", [1], "[1]"), ("number", "1" * 5000, "111"),
        ("bool", "yes", "yes"), ("bool", "2", "2"), ("bool", 1, "1"), ("bool", "truee", "truee"),
        ("datetime", "yesterday", "yesterday"), ("datetime", "2024-13-01T00:00:00.000Z", "2024-13"),
        ("datetime", "2024-01-15T14:22:60.000Z", "2024-01-15"), ("datetime", "1" * 30, "111"),
        ("datetime", "0001-01-01T00:00:00+01:00", "0001"), ("datetime", 1.5, "1.5"),
        ("datetime", True, "True"),
        ("date", "2024-02-30", "2024-02-30"), ("date", "15/01/2024", "15/01/2024"),
        ("date", "9" * 20, "999"), ("date", 3.0, "3.0"), ("date", False, "False"),
    ],
)
def test_coerce_bad_values(hubspot_type: str, raw: object, message_part: str) -> None:
    with pytest.raises(CoercionError) as caught:
        coerce(hubspot_type, raw)
    message = str(caught.value)
    assert message_part in message
    assert "\n" not in message
    assert len(message) < 100  # operand previews are truncated


def test_coercion_error_is_a_value_error() -> None:
    assert issubclass(CoercionError, ValueError)


@pytest.mark.parametrize(
    ("prop", "expected"),
    [
        ({"name": "amount", "type": "number", "showCurrencySymbol": True}, "amount"),
        ({"name": "amount", "type": "number", "numberDisplayHint": "currency"}, "amount"),
        ({"name": "amount", "type": "number", "currencyPropertyName": "deal_currency_code"},
         "amount"),
        ({"name": "amount", "type": "number", "showCurrencySymbol": False}, "number"),
        ({"name": "qty", "type": "number", "numberDisplayHint": "formatted"}, "number"),
        ({"name": "qty", "type": "number", "currencyPropertyName": ""}, "number"),
        ({"name": "hs_created_by_user_id", "type": "user"}, "user"),
        ({"name": "hubspot_owner_id", "type": "enumeration"}, "user"),
        ({"name": "hs_shared_owner_id", "type": "enumeration"}, "user"),
        ({"name": "approver", "type": "enumeration", "referencedObjectType": "OWNER"}, "user"),
        ({"name": "approver", "type": "enumeration", "referencedObjectType": "USER"}, "user"),
        ({"name": "dealstage", "type": "enumeration"}, "picklist"),
        ({"name": "dealstage", "type": "enumeration", "referencedObjectType": "PIPELINE"},
         "picklist"),
        ({"name": "owner_ids_note", "type": "string"}, "string"),  # only enumerations become users
        ({"name": "dealname", "type": "string"}, "string"),
        ({"name": "is_won", "type": "bool"}, "bool"),
        ({"name": "closedate", "type": "datetime"}, "date"),
        ({"name": "birthday", "type": "date"}, "date"),
        ({"name": "phone", "type": "phone_number"}, "string"),
        ({"name": "geo", "type": "object_coordinates"}, "string"),
        ({"name": "blob", "type": "json"}, "string"),
        ({"name": "nothing"}, "string"),
    ],
)
def test_qobra_type(prop: dict, expected: str) -> None:
    assert qobra_type(prop) == expected
    assert expected in QOBRA_TYPES


@pytest.mark.parametrize(
    ("hubspot_type", "expected"),
    [
        ("number", {"type": ["number", "null"]}),
        ("bool", {"type": ["boolean", "null"]}),
        ("datetime", {"type": ["string", "null"], "format": "date-time"}),
        ("date", {"type": ["string", "null"], "format": "date"}),
        ("string", {"type": ["string", "null"]}),
        ("enumeration", {"type": ["string", "null"]}),
        ("object_coordinates", {"type": ["string", "null"]}),
    ],
)
def test_json_schema_for(hubspot_type: str, expected: dict) -> None:
    assert json_schema_for(hubspot_type) == expected
    assert json_schema_for(hubspot_type) is not json_schema_for(hubspot_type)


DEALSTAGE = {
    "name": "dealstage", "label": "Deal Stage", "type": "enumeration", "fieldType": "select",
    "groupName": "dealinformation", "description": "",
    "options": [
        {"label": "Closed won", "value": "closedwon", "displayOrder": 2, "hidden": False},
        {"label": "Appointment", "value": "appointmentscheduled", "displayOrder": 0},
        {"label": "Unordered", "value": "zzz", "displayOrder": None},
        {"label": "Qualified", "value": "qualifiedtobuy", "displayOrder": 1, "hidden": True},
        {"label": "No value", "value": None, "displayOrder": 3},
    ],
}


@pytest.mark.parametrize(
    ("prop", "attribute", "expected"),
    [
        (DEALSTAGE, "name", "dealstage"),
        (DEALSTAGE, "label", "Deal Stage"),
        (DEALSTAGE, "hubspot_type", "enumeration"),
        (DEALSTAGE, "field_type", "select"),
        (DEALSTAGE, "qobra_type", "picklist"),
        (DEALSTAGE, "options", (("appointmentscheduled", "Appointment"),
                                ("qualifiedtobuy", "Qualified"), ("closedwon", "Closed won"),
                                ("zzz", "Unordered"))),
        (DEALSTAGE, "json_schema", {"type": ["string", "null"]}),
        ({"name": "amount", "type": "number", "options": []}, "label", "amount"),
        ({"name": "amount", "type": "number", "options": []}, "options", ()),
        ({"name": "amount", "type": "number"}, "field_type", ""),
        ({"name": "x"}, "hubspot_type", "string"),
        ({"name": "d", "type": "datetime", "fieldType": "date"}, "json_schema",
         {"type": ["string", "null"], "format": "date-time"}),
    ],
)
def test_field_from_property(prop: dict, attribute: str, expected: object) -> None:
    assert getattr(field_from_property(prop), attribute) == expected


@pytest.mark.parametrize("prop", [{}, {"name": ""}, {"name": None, "type": "string"}, {"name": 3}])
def test_field_from_property_needs_a_name(prop: dict) -> None:
    with pytest.raises(ValueError, match="without a name"):
        field_from_property(prop)


def test_field_catalog_metadata_and_options() -> None:
    field = field_from_property(DEALSTAGE)
    assert field.to_catalog_metadata() == {
        "hubspot-type": "enumeration", "hubspot-field-type": "select",
        "qobra-type": "picklist", "label": "Deal Stage",
    }
    assert field.options_json()[:2] == [
        {"value": "appointmentscheduled", "label": "Appointment"},
        {"value": "qualifiedtobuy", "label": "Qualified"},
    ]
    assert hash(field) == hash(field_from_property(DEALSTAGE))  # usable in sets despite the dict


FIELDS = {
    name: field_from_property({"name": name, "type": hubspot_type})
    for name, hubspot_type in [("amount", "number"), ("won", "bool"), ("closedate", "datetime"),
                               ("dealname", "string"), ("birthday", "date")]
}


@pytest.mark.parametrize(
    ("props", "expected_values", "expected_bad"),
    [
        ({}, {}, []),
        ({"amount": "17", "won": "true", "dealname": "Big"},
         {"amount": 17, "won": True, "dealname": "Big"}, []),
        ({"amount": "1,234", "won": "maybe", "dealname": ""},
         {"amount": None, "won": None, "dealname": None}, ["amount", "won"]),
        ({"unknown": "x", "hs_object_id": "5", "amount": None}, {"amount": None}, []),
        ({"closedate": "1705328530456", "birthday": "bad"},
         {"closedate": "2024-01-15T14:22:10.456Z", "birthday": None}, ["birthday"]),
    ],
)
def test_coerce_properties(props: dict, expected_values: dict, expected_bad: list) -> None:
    values, bad = coerce_properties(FIELDS, props)
    assert values == expected_values
    assert bad == expected_bad


def test_field_is_frozen() -> None:
    field = Field("a", "A", "string", "text", "string", (), {"type": ["string", "null"]})
    with pytest.raises(AttributeError):
        field.name = "b"  # type: ignore[misc]


# --- properties ------------------------------------------------------------------------------

ANY_RAW = st.one_of(
    st.none(), st.text(), st.booleans(), st.integers(), st.floats(), st.binary(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.datetimes(timezones=st.one_of(st.none(), st.timezones())), st.dates(),
    st.from_regex(r"\A-?\d{1,16}\Z"),
    st.from_regex(r"\A\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2})?)?\Z"),
)


@given(st.sampled_from(HUBSPOT_TYPES), ANY_RAW)
def test_coerce_raises_only_coercion_error(hubspot_type: str, raw: object) -> None:
    try:
        result = coerce(hubspot_type, raw)
    except CoercionError as error:
        assert "\n" not in str(error)
        return
    if result is None:
        assert raw is None or raw == "" or (isinstance(raw, str) and not raw.strip())
    elif hubspot_type == "number":
        assert type(result) in (int, float) and math.isfinite(result)
    elif hubspot_type == "bool":
        assert type(result) is bool
    elif hubspot_type == "datetime":
        assert DATETIME_RE.match(result) and result.endswith("Z")
        assert datetime.fromisoformat(result).tzinfo == timezone.utc
    elif hubspot_type == "date":
        assert DATE_RE.match(result)
        date.fromisoformat(result)
    else:
        assert isinstance(result, str)


@given(st.integers())
def test_integers_round_trip(number: int) -> None:
    assert coerce("number", str(number)) == number
    assert type(coerce("number", f" {number} ")) is int


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_round_trip(number: float) -> None:
    assert coerce("number", repr(number)) == number


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30),
                    timezones=st.timezones()))
def test_datetimes_come_back_in_utc(moment: datetime) -> None:
    result = coerce("datetime", moment.isoformat())
    assert DATETIME_RE.match(result)
    truncated = moment.microsecond // 1000 * 1000
    expected = moment.astimezone(timezone.utc).replace(microsecond=truncated)
    assert datetime.fromisoformat(result) == expected


@given(st.integers(min_value=-62135596800000, max_value=253402300799999))
def test_epoch_ms_datetimes_round_trip(ms: int) -> None:
    result = coerce("datetime", str(ms))
    parsed = datetime.fromisoformat(result)
    assert (parsed - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(milliseconds=1) == ms


@given(st.dates())
def test_dates_round_trip(day: date) -> None:
    assert coerce("date", day.isoformat()) == day.isoformat()
