"""The rule language: every field and op, nesting, and errors keyed by the bad part's path."""

import pytest

from loyalty.segments.language import (
    FIELDS,
    MAX_CONDITIONS,
    MAX_DEPTH,
    Condition,
    Group,
    RuleErrors,
    parse,
    tag_ids,
)

TAGS = {"tag_vip"}
VALID_VALUES = {"number": 3, "stage": "loyal", "tag": "tag_vip", "boolean": True}
IN_VALUES = {"number": [1, 2, 2], "stage": ["new", "loyal"]}


def errors_of(rule):
    with pytest.raises(RuleErrors) as raised:
        parse(rule, known_tags=TAGS)
    return raised.value.errors


@pytest.mark.parametrize(("field", "op"), [(f, op) for f, spec in FIELDS.items() for op in spec.ops])
def test_every_field_takes_each_of_its_ops(field, op):
    kind = FIELDS[field].kind
    value = IN_VALUES[kind] if op == "in" else VALID_VALUES[kind]

    parsed = parse({"all": [{"field": field, "op": op, "value": value}]}, known_tags=TAGS)

    expected = tuple(dict.fromkeys(value)) if op == "in" else value
    assert parsed == Group("all", (Condition(field, op, expected),))


@pytest.mark.parametrize(("field", "op"), [
    ("tag", "gt"), ("tag", "in"), ("is_distributor", "lt"), ("referred", "in"), ("stage", "gte"),
])
def test_an_op_a_field_does_not_take_is_an_error_at_its_op(field, op):
    value = VALID_VALUES[FIELDS[field].kind]

    assert set(errors_of({"any": [{"field": field, "op": op, "value": value}]})) == {"rule.any.0.op"}


@pytest.mark.parametrize(("field", "value"), [
    ("paid_orders", -1), ("paid_orders", 1.5), ("net_spend", "100"), ("points_balance", True),
    ("last_paid_days", None), ("stage", "vip"), ("stage", 3), ("tag", "tag_other_tenants"), ("tag", 7),
    ("is_distributor", "yes"), ("referred", 1), ("registered_days", 10**16),
])
def test_a_value_of_the_wrong_kind_is_an_error_at_its_value(field, value):
    assert set(errors_of({"all": [{"field": field, "op": "eq", "value": value}]})) == {"rule.all.0.value"}


def test_in_takes_a_non_empty_list_and_names_the_bad_item():
    assert set(errors_of({"all": [{"field": "stage", "op": "in", "value": []}]})) == {"rule.all.0.value"}
    assert set(errors_of({"all": [{"field": "stage", "op": "in", "value": "new"}]})) == {"rule.all.0.value"}
    assert set(errors_of({"all": [{"field": "stage", "op": "in", "value": ["new", "vip"]}]})) == \
        {"rule.all.0.value.1"}


def test_groups_nest_and_every_error_is_reported_at_once_by_its_path():
    rule = {"all": [
        {"field": "stage", "op": "eq", "value": "new"},
        {"any": [{"field": "paid_orders", "op": "gte", "value": 2},
                 {"all": [{"field": "color", "op": "eq", "value": 1}, {"field": "tag", "op": "eq"}]}]},
        {"field": "net_spend", "op": "between", "value": 5, "unit": "yuan"},
    ]}

    assert errors_of(rule) == {
        "rule.all.1.any.1.all.0.field": ["Must be one of: " + ", ".join(FIELDS) + "."],
        "rule.all.1.any.1.all.1.value": ["Missing data for required field."],
        "rule.all.2.unit": ["Unknown field."],
        "rule.all.2.op": ["Must be one of: eq, ne, gt, gte, lt, lte, in (for net_spend)."],
    }


def test_a_valid_nested_rule_parses_into_groups():
    rule = {"any": [{"all": [{"field": "referred", "op": "eq", "value": True}]},
                    {"field": "is_distributor", "op": "ne", "value": False}]}

    assert parse(rule, known_tags=set()) == Group("any", (
        Group("all", (Condition("referred", "eq", True),)),
        Condition("is_distributor", "ne", False),
    ))


@pytest.mark.parametrize("rule", [None, [], "all", {}, {"all": [], "any": []}, {"none": [1]}, {"field": "stage"}])
def test_the_top_is_always_one_group(rule):
    assert set(errors_of(rule)) == {"rule"}


@pytest.mark.parametrize("items", [[], None, {"field": "stage"}])
def test_a_group_holds_a_non_empty_list(items):
    assert set(errors_of({"all": items})) == {"rule.all"}


def test_an_item_that_is_neither_a_condition_nor_a_group_is_an_error_at_its_index():
    assert set(errors_of({"all": [{"field": "stage", "op": "eq", "value": "new"}, 7]})) == {"rule.all.1"}


def test_nesting_and_size_are_bounded():
    deep = {"all": [{"field": "stage", "op": "eq", "value": "new"}]}
    for _ in range(MAX_DEPTH):
        deep = {"all": [deep]}
    wide = {"any": [{"field": "paid_orders", "op": "eq", "value": n} for n in range(MAX_CONDITIONS + 1)]}

    assert set(errors_of(deep)) == {"rule" + ".all.0" * MAX_DEPTH}
    assert set(errors_of(wide)) == {"rule"}


def test_the_tags_a_rule_names_are_found_however_malformed_it_is():
    rule = {"all": [{"field": "tag", "op": "eq", "value": "tag_a"}, {"any": [{"field": "tag", "value": "tag_b"}]},
                    {"field": "tag", "op": "eq", "value": 3}, "junk"]}

    assert tag_ids(rule) == {"tag_a", "tag_b"}
