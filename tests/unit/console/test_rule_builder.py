from flask import Flask
from flask_babel import Babel

from console.forms import FormReader
from console.rule_builder import field_errors, read, rows_of


def reading(form: dict) -> tuple[dict, dict, dict]:
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        reader = FormReader(form, currency="CNY")
        rule, origins = read(reader)
        return rule, origins, reader.errors


def test_rows_become_the_apis_rule_skipping_blank_rows_and_reading_yuan_yes_and_lists():
    rule, origins, errors = reading({
        "match": "any",
        "rules-0-field": "net_spend", "rules-0-op": "gt", "rules-0-value": "1,200.5",
        "rules-1-field": "", "rules-1-op": "eq", "rules-1-value": "",
        "rules-4-field": "is_distributor", "rules-4-op": "eq", "rules-4-value": "Yes",
        "rules-5-field": "paid_orders", "rules-5-op": "in", "rules-5-value": "1, 2，3"})

    assert errors == {}
    assert rule == {"any": [{"field": "net_spend", "op": "gt", "value": 120050},
                            {"field": "is_distributor", "op": "eq", "value": True},
                            {"field": "paid_orders", "op": "in", "value": [1, 2, 3]}]}
    assert origins == {"rule.any.0": "rules-0", "rule.any.1": "rules-4", "rule.any.2": "rules-5"}


def test_values_that_cannot_be_read_are_errors_at_their_own_field():
    _rule, _origins, errors = reading({
        "rules-0-field": "points_balance", "rules-0-op": "gte", "rules-0-value": "ten",
        "rules-1-field": "referred", "rules-1-op": "eq", "rules-1-value": "maybe",
        "rules-2-field": "stage", "rules-2-op": "eq", "rules-2-value": "",
        "match": "most"})

    assert set(errors) == {"rules-0-value", "rules-1-value", "rules-2-value", "match"}


def test_the_services_paths_land_on_the_rows_they_came_from():
    origins = {"rule.all.0": "rules-0", "rule.all.1": "rules-3", "rule.all.10": "rules-12", "rule.all.2": "groups"}

    mapped = field_errors({"rule.all.1.op": ["bad op"], "rule.all.10.value.1": ["bad value"],
                           "rule.all.0.colour": ["Unknown field."], "rule.all.2.any.0.op": ["nested"],
                           "rule": ["At most 100 conditions in a rule."]}, origins)

    assert mapped == {"rules-3-op": ["bad op"], "rules-12-value": ["bad value"], "rules-0-field": ["Unknown field."],
                      "groups": ["nested"], "rules": ["At most 100 conditions in a rule."]}


def test_a_stored_rule_shows_as_rows_with_nested_groups_kept_aside():
    app = Flask(__name__)
    Babel(app)
    nested = {"any": [{"field": "referred", "op": "eq", "value": True}]}
    with app.test_request_context():
        match, rows, kept = rows_of({"all": [{"field": "net_spend", "op": "gte", "value": 9900},
                                             {"field": "stage", "op": "in", "value": ["new", "loyal"]}, nested]},
                                    currency="CNY")

    assert match == "all" and [(row.field, row.op, row.value) for row in rows] == [
        ("net_spend", "gte", "99.00"), ("stage", "in", "new, loyal")]
    assert kept == '[{"any": [{"field": "referred", "op": "eq", "value": true}]}]'
