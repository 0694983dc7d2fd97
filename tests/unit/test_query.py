"""query: config filter validation and search request bodies."""

from __future__ import annotations

import pytest

from tap_hubspot_qobra.query import (
    ENGINE_FILTERS,
    MAX_FILTERS_PER_GROUP,
    MAX_USER_FILTERS,
    OPERATORS,
    PAGE_SIZE,
    FilterError,
    count_body,
    datetime_to_ms,
    first_modified_body,
    ms_to_iso,
    page_body,
    validate_filters,
)

KNOWN = {
    "deals": {"amount", "dealstage", "dealname", "closedate", "hs_lastmodifieddate"},
    "contacts": {"email", "lastmodifieddate"},
}
AMOUNT_GT = {"propertyName": "amount", "operator": "GT", "value": "100"}
STAGE_IN = {"propertyName": "dealstage", "operator": "IN", "values": ["a", "b"]}


def test_constants_match_hubspot_limits() -> None:
    assert len(OPERATORS) == 13
    assert MAX_USER_FILTERS + ENGINE_FILTERS == MAX_FILTERS_PER_GROUP == 6
    assert PAGE_SIZE == 200


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (None, {}),
        ({}, {}),
        ({"deals": []}, {"deals": []}),
        ({"deals": [AMOUNT_GT]}, {"deals": [AMOUNT_GT]}),
        ({"deals": [{"propertyName": "amount", "operator": "gte", "value": 5}]},
         {"deals": [{"propertyName": "amount", "operator": "GTE", "value": "5"}]}),
        ({"deals": [{"propertyName": "amount", "operator": "EQ", "value": 2.5}]},
         {"deals": [{"propertyName": "amount", "operator": "EQ", "value": "2.5"}]}),
        ({"deals": [{"propertyName": "closedate", "operator": "GT", "value": 1.7e12}]},
         {"deals": [{"propertyName": "closedate", "operator": "GT", "value": "1700000000000"}]}),
        ({"deals": [{"propertyName": "dealname", "operator": "NEQ", "value": True}]},
         {"deals": [{"propertyName": "dealname", "operator": "NEQ", "value": "true"}]}),
        ({"deals": [{"value": "1", "highValue": 9, "operator": "BETWEEN",
                     "propertyName": "amount"}]},
         {"deals": [{"propertyName": "amount", "operator": "BETWEEN", "value": "1",
                     "highValue": "9"}]}),
        ({"deals": [{"propertyName": "dealstage", "operator": "NOT_IN",
                     "values": [1, "x", False]}]},
         {"deals": [{"propertyName": "dealstage", "operator": "NOT_IN",
                     "values": ["1", "x", "false"]}]}),
        ({"deals": [{"propertyName": "dealstage", "operator": "HAS_PROPERTY"}]},
         {"deals": [{"propertyName": "dealstage", "operator": "HAS_PROPERTY"}]}),
        ({"deals": [{"propertyName": "dealname", "operator": "NOT_CONTAINS_TOKEN",
                     "value": "test"}]},
         {"deals": [{"propertyName": "dealname", "operator": "NOT_CONTAINS_TOKEN",
                     "value": "test"}]}),
        ({"deals": [AMOUNT_GT, STAGE_IN], "contacts": [
            {"propertyName": "email", "operator": "NOT_HAS_PROPERTY"}]},
         {"deals": [AMOUNT_GT, STAGE_IN],
          "contacts": [{"propertyName": "email", "operator": "NOT_HAS_PROPERTY"}]}),
        ({"deals": [AMOUNT_GT] * MAX_USER_FILTERS}, {"deals": [AMOUNT_GT] * MAX_USER_FILTERS}),
    ],
)
def test_validate_filters_accepts(config: object, expected: dict) -> None:
    assert validate_filters(config, KNOWN) == expected


@pytest.mark.parametrize("operator", sorted(OPERATORS))
def test_every_operator_has_an_operand_rule(operator: str) -> None:
    candidates = [
        {}, {"value": "1"}, {"value": "1", "highValue": "2"}, {"values": ["1"]},
    ]
    accepted = []
    for operands in candidates:
        try:
            validate_filters(
                {"deals": [{"propertyName": "amount", "operator": operator, **operands}]}, KNOWN)
            accepted.append(operands)
        except FilterError:
            pass
    assert len(accepted) == 1


@pytest.mark.parametrize(
    ("config", "message_part"),
    [
        ([], "got list"),
        ("deals", "got str"),
        (17, "got int"),
        ({"dealz": []}, "unknown stream 'dealz'"),
        ({"deals": "amount GT 5"}, "filters.deals: must be a list"),
        ({"deals": {"propertyName": "amount"}}, "filters.deals: must be a list"),
        ({"deals": [AMOUNT_GT] * (MAX_USER_FILTERS + 1)}, "5 filters, at most 4"),
        ({"deals": ["amount > 5"]}, "filters.deals[0]: a filter must be an object"),
        ({"deals": [AMOUNT_GT, {**AMOUNT_GT, "propertyName": "amout"}]},
         "filters.deals[1]: unknown property 'amout'"),
        ({"deals": [{"operator": "EQ", "value": "1"}]}, "unknown property None"),
        ({"contacts": [AMOUNT_GT]}, "filters.contacts[0]: unknown property 'amount'"),
        ({"deals": [{**AMOUNT_GT, "operator": "LIKE"}]},
         "unknown operator 'LIKE' for property 'amount'"),
        ({"deals": [{**AMOUNT_GT, "operator": None}]}, "unknown operator None"),
        ({"deals": [{**AMOUNT_GT, "extra": 1}]}, "unknown filter keys ['extra']"),
        ({"deals": [{"propertyName": "amount", "operator": "EQ"}]}, "EQ takes value, got []"),
        ({"deals": [{**AMOUNT_GT, "highValue": "9"}]}, "GT takes value"),
        ({"deals": [{"propertyName": "amount", "operator": "BETWEEN", "value": "1"}]},
         "BETWEEN takes highValue, value"),
        ({"deals": [{"propertyName": "amount", "operator": "IN", "value": "1"}]},
         "IN takes values"),
        ({"deals": [{**STAGE_IN, "values": []}]}, "non-empty `values` list"),
        ({"deals": [{**STAGE_IN, "values": "a;b"}]}, "non-empty `values` list"),
        ({"deals": [{"propertyName": "amount", "operator": "HAS_PROPERTY", "value": "1"}]},
         "HAS_PROPERTY takes no operand"),
        ({"deals": [{**AMOUNT_GT, "value": None}]}, "operand must be a string, number or boolean"),
        ({"deals": [{**AMOUNT_GT, "value": float("nan")}]}, "got nan"),
        ({"deals": [{**AMOUNT_GT, "value": {"a": 1}}]}, "(amount): operand must be"),
        ({"deals": [{**STAGE_IN, "values": ["a", ["b"]]}]}, "got ['b']"),
    ],
)
def test_validate_filters_refuses(config: object, message_part: str) -> None:
    with pytest.raises(FilterError) as caught:
        validate_filters(config, KNOWN)
    message = str(caught.value)
    assert message_part in message
    assert "\n" not in message


def test_long_operands_are_truncated_in_errors() -> None:
    secretish = "x" * 500
    with pytest.raises(FilterError) as caught:
        validate_filters({"deals": [{**AMOUNT_GT, "value": [secretish]}]}, KNOWN)
    assert len(str(caught.value)) < 150
    assert "..." in str(caught.value)


def test_validated_filters_do_not_share_config_dicts() -> None:
    config = {"deals": [dict(STAGE_IN, values=["a"])]}
    validated = validate_filters(config, KNOWN)
    validated["deals"][0]["values"].append("b")
    assert config["deals"][0]["values"] == ["a"]


WINDOW = {"propertyName": "hs_lastmodifieddate", "operator": "BETWEEN",
          "value": "1000", "highValue": "1999"}
BY_ID = [{"propertyName": "hs_object_id", "direction": "ASCENDING"}]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (dict(after_id=None, user_filters=[]),
         {"filterGroups": [{"filters": [WINDOW]}], "sorts": BY_ID,
          "properties": ["dealname", "amount"], "limit": 200}),
        (dict(after_id=512, user_filters=[AMOUNT_GT], limit=50),
         {"filterGroups": [{"filters": [
             WINDOW, {"propertyName": "hs_object_id", "operator": "GT", "value": "512"}, AMOUNT_GT,
         ]}], "sorts": BY_ID, "properties": ["dealname", "amount"], "limit": 50}),
        (dict(after_id=0, user_filters=[AMOUNT_GT, STAGE_IN]),
         {"filterGroups": [{"filters": [
             WINDOW, {"propertyName": "hs_object_id", "operator": "GT", "value": "0"},
             AMOUNT_GT, STAGE_IN,
         ]}], "sorts": BY_ID, "properties": ["dealname", "amount"], "limit": 200}),
    ],
)
def test_page_body(kwargs: dict, expected: dict) -> None:
    body = page_body(last_modified="hs_lastmodifieddate", lo_ms=1000, hi_ms=2000,
                     properties=("dealname", "amount"), **kwargs)
    assert body == expected
    assert len(body["filterGroups"][0]["filters"]) <= MAX_FILTERS_PER_GROUP


def test_bodies_copy_user_filters() -> None:
    user_filters = [dict(AMOUNT_GT)]
    body = count_body(last_modified="m", lo_ms=0, hi_ms=10, user_filters=user_filters)
    body["filterGroups"][0]["filters"][1]["value"] = "changed"
    assert user_filters[0]["value"] == "100"


@pytest.mark.parametrize(
    ("user_filters", "expected_filters"),
    [
        ([], [WINDOW]),
        ([AMOUNT_GT], [WINDOW, AMOUNT_GT]),
    ],
)
def test_count_body(user_filters: list, expected_filters: list) -> None:
    body = count_body(last_modified="hs_lastmodifieddate", lo_ms=1000, hi_ms=2000,
                      user_filters=user_filters)
    assert body == {"filterGroups": [{"filters": expected_filters}],
                    "properties": ["hs_object_id"], "limit": 1}


@pytest.mark.parametrize(
    ("build", "direction", "user_filters", "expected_groups"),
    [
        (first_modified_body, "ASCENDING", [], None),
        (first_modified_body, "ASCENDING", [AMOUNT_GT], [{"filters": [AMOUNT_GT]}]),
        (first_modified_body, "ASCENDING", [AMOUNT_GT, STAGE_IN],
         [{"filters": [AMOUNT_GT, STAGE_IN]}]),
    ],
)
def test_edge_modified_bodies(build, direction: str, user_filters: list, expected_groups) -> None:
    body = build(last_modified="lastmodifieddate", user_filters=user_filters)
    assert body["sorts"] == [{"propertyName": "lastmodifieddate", "direction": direction}]
    assert body["properties"] == ["lastmodifieddate"]
    assert body["limit"] == 1
    assert body.get("filterGroups") == expected_groups


@pytest.mark.parametrize(
    ("lo_ms", "hi_ms", "user_filters", "message_part"),
    [
        (10, 10, [], "empty window [10, 10)"),
        (11, 10, [], "empty window"),
        (0, 10, [AMOUNT_GT] * 5, "5 user filters, at most 4"),
    ],
)
def test_bodies_refuse_impossible_queries(lo_ms, hi_ms, user_filters, message_part) -> None:
    for build in (count_body, lambda **kw: page_body(after_id=1, properties=[], **kw)):
        with pytest.raises(ValueError) as caught:
            build(last_modified="m", lo_ms=lo_ms, hi_ms=hi_ms, user_filters=user_filters)
        assert message_part in str(caught.value)


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:00.001Z", 1),
        ("1969-12-31T23:59:59.999Z", -1),
        ("2024-01-15T14:22:10.456Z", 1705328530456),
        ("2024-01-15T16:22:10.456+02:00", 1705328530456),
        ("2024-01-15T14:22:10.456", 1705328530456),
        ("2024-01-15", 1705276800000),
        (" 2024-01-15 ", 1705276800000),
        ("1705328530456", 1705328530456),
    ],
)
def test_datetime_to_ms(text: str, ms: int) -> None:
    assert datetime_to_ms(text) == ms


@pytest.mark.parametrize("text", ["", "soon", "2024-13-01", "2024-01-15T25:00:00Z", None])
def test_datetime_to_ms_refuses(text) -> None:
    with pytest.raises(ValueError, match="not an ISO-8601 date-time"):
        datetime_to_ms(text)


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (1705328530456, "2024-01-15T14:22:10.456Z"),
    ],
)
def test_ms_to_iso(ms: int, text: str) -> None:
    assert ms_to_iso(ms) == text
    assert datetime_to_ms(ms_to_iso(ms)) == ms
