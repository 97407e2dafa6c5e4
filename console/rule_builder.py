"""The segment rule builder: rows of (field, operator, value) and all/any, turned into the API's rule and back.

The rule language is the API's own (loyalty/segments/language.py): the fields and operators offered are
read from it, and the rule a form makes is validated by the same service as a rule posted to the API, whose
errors (keyed `rule.all.1.op`) are handed back to the rows' fields (`rules-1-op`). This module only reads the
form: a value typed as text becomes the JSON value the API would receive (yuan into minor units for
`net_spend`, "yes"/"no" into booleans, a comma-separated list for `in`).

A rule made through the API may hold nested groups; the builder shows its top-level conditions as rows and
keeps the nested groups as they are (carried in a hidden field, checked again like the rest when saved).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from console import formatting
from console.forms import FormReader
from loyalty.segments import service as segments
from loyalty.segments.rules import STAGES

PREFIX = "rules"
MATCH = "match"  # all | any
GROUPS_FIELD = "groups"  # nested groups of a rule made through the API, kept as they are
MONEY_FIELDS = {"net_spend"}  # minor units in the API, typed in yuan

FIELD_LABELS = {
    "stage": _l("Lifecycle stage"), "paid_orders": _l("Paid orders"), "net_spend": _l("Net spend (yuan)"),
    "last_paid_days": _l("Days since last paid order"), "registered_days": _l("Days since registering"),
    "points_balance": _l("Points balance"), "tag": _l("Tag"), "is_distributor": _l("Is a distributor"),
    "referred": _l("Was referred by a friend"),
}
OP_LABELS = {"eq": _l("is"), "ne": _l("is not"), "gt": _l("more than"), "gte": _l("at least"),
             "lt": _l("less than"), "lte": _l("at most"), "in": _l("is one of")}
MATCH_LABELS = {"all": _l("all of these conditions"), "any": _l("any of these conditions")}
STAGE_LABELS = {"prospect": _l("Prospect (no paid order)"), "new": _l("New (one paid order)"),
                "active": _l("Active"), "loyal": _l("Loyal"), "dormant": _l("Dormant"), "churned": _l("Churned")}
_YES = {"true", "yes", "y", "1", "是"}
_NO = {"false", "no", "n", "0", "否"}


@dataclass
class Row:
    index: int
    field: str = ""
    op: str = ""
    value: str = ""


def _fields() -> dict:
    return segments.rule_language()["fields"]


def field_choices() -> list[tuple[str, str]]:
    """The fields a condition may test; the first, blank, leaves a row out of the rule."""
    return [("", _("(choose a field)"))] + [(name, str(FIELD_LABELS.get(name, name))) for name in _fields()]


def op_choices() -> list[tuple[str, str]]:
    """Every operator some field takes (the language says which field takes which, and refuses the others)."""
    taken = {op for spec in _fields().values() for op in spec.ops}
    ordered = [op for op in OP_LABELS if op in taken] + sorted(taken - set(OP_LABELS))
    return [(op, str(OP_LABELS.get(op, op))) for op in ordered]


def match_choices() -> list[tuple[str, str]]:
    return [(kind, str(MATCH_LABELS.get(kind, kind))) for kind in segments.rule_language()["groups"]]


def field_kinds() -> dict[str, str]:
    """Each field's kind (number, stage, tag, boolean): which suggestions its value input offers."""
    return {name: spec.kind for name, spec in _fields().items()}


def value_suggestions(tags: list) -> dict[str, list[tuple[str, str]]]:
    """What may be typed as a value, by the field's kind: stages, yes/no, the tenant's tags (by id, named)."""
    return {"stage": [(stage, str(STAGE_LABELS[stage])) for stage in STAGES],
            "boolean": [(_("yes"), _("yes")), (_("no"), _("no"))],
            "tag": [(tag.id, tag.name) for tag in tags]}


# --- a stored rule as rows -------------------------------------------------------------------------------

def rows_of(rule: dict | None, *, currency: str) -> tuple[str, list[Row], str]:
    """(match, rows, nested groups as JSON) of a stored rule, for its edit form."""
    if not rule:
        return "all", [], ""
    match = next(iter(rule))
    rows, nested = [], []
    for item in rule[match]:
        if any(key in item for key in segments.rule_language()["groups"]):
            nested.append(item)
        else:
            rows.append(Row(len(rows), item["field"], item["op"], _shown(item["field"], item["value"], currency)))
    return match, rows, json.dumps(nested, ensure_ascii=False) if nested else ""


def _shown(field: str, value, currency: str) -> str:
    if isinstance(value, list):
        return ", ".join(_shown(field, item, currency) for item in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field in MONEY_FIELDS and isinstance(value, int):
        return formatting.major_units(value, currency)
    return str(value)


def submitted_rows(form: FormReader, *, add: int = 0, remove: int | None = None) -> list[Row]:
    """The rows as typed (re-shown after a refusal, a preview, or adding/removing a row)."""
    rows = [Row(index, form.text(f"{PREFIX}-{index}-field") or "", form.text(f"{PREFIX}-{index}-op") or "",
                form.text(f"{PREFIX}-{index}-value") or "")
            for index in form.rows(PREFIX) if index != remove]
    start = max((row.index for row in rows), default=-1) + 1
    return rows + [Row(start + offset) for offset in range(add)]


# --- the form as the API's rule --------------------------------------------------------------------------

def read(form: FormReader) -> tuple[dict, dict[str, str]]:
    """The rule the form describes, and where each of its parts came from: `rule.all.1` -> `rules-3` (blank rows
    are skipped, so positions and row numbers differ). Values that cannot be read are errors at their field."""
    match = form.text(MATCH) or "all"
    if match not in segments.rule_language()["groups"]:
        form.errors.setdefault(MATCH, []).append(_("Choose all or any."))
    items, origins = [], {}
    for index in form.rows(PREFIX):
        name = f"{PREFIX}-{index}"
        field, op, value = (form.text(f"{name}-{part}") for part in ("field", "op", "value"))
        if not field and not value:
            continue  # a blank row: no field chosen, no value typed
        origins[f"rule.{match}.{len(items)}"] = name
        items.append({"field": field, "op": op, "value": _value(form, f"{name}-value", field, op, value)})
    for group in _nested(form):
        origins[f"rule.{match}.{len(items)}"] = GROUPS_FIELD
        items.append(group)
    if not items:
        form.errors.setdefault(PREFIX, []).append(_("Give at least one condition."))
    return {match: items}, origins


def _nested(form: FormReader) -> list:
    text = form.text(GROUPS_FIELD)
    if not text:
        return []
    try:
        nested = json.loads(text)
    except ValueError:
        nested = None
    if not isinstance(nested, list):
        form.errors.setdefault(GROUPS_FIELD, []).append(_("The rule's nested groups could not be read."))
        return []
    return nested


def _value(form: FormReader, name: str, field: str | None, op: str | None, text: str | None):
    spec = _fields().get(field or "")
    if text is None:
        form.errors.setdefault(name, []).append(_("Required."))
        return None
    parts = [part for part in re.split(r"\s*[,，、]\s*", text) if part] if op == "in" else [text]
    values = [_scalar(form, name, spec.kind if spec else "text", field, part) for part in parts]
    return values if op == "in" else values[0]


def _scalar(form: FormReader, name: str, kind: str, field: str | None, text: str):
    if kind == "number":
        if field in MONEY_FIELDS:
            try:
                return formatting.parse_money(text, form.currency)
            except ValueError:
                form.errors.setdefault(name, []).append(_("Enter an amount in yuan, like 12.50."))
                return None
        try:
            return int(text.replace(",", ""))
        except ValueError:
            form.errors.setdefault(name, []).append(_("Enter a whole number."))
            return None
    if kind == "boolean":
        lowered = text.lower()
        if lowered in _YES or text == _("yes"):
            return True
        if lowered in _NO or text == _("no"):
            return False
        form.errors.setdefault(name, []).append(_("Enter yes or no."))
        return None
    return text


def field_errors(errors: dict[str, list[str]], origins: dict[str, str]) -> dict[str, list[str]]:
    """The service's errors, keyed by the rule's paths (`rule.all.1.value.0`), as the form's fields
    (`rules-3-value`); the rule's own (`rule`, `rule.all`) go to the rows as a whole."""
    fields: dict[str, list[str]] = {}
    for path, texts in errors.items():
        name = PREFIX
        for origin, row in sorted(origins.items(), key=lambda pair: -len(pair[0])):
            if path == origin or path.startswith(origin + "."):
                part = path[len(origin) + 1:].split(".")[0]
                name = row if row == GROUPS_FIELD else f"{row}-{part}" if part in ("field", "op", "value") \
                    else f"{row}-field"
                break
        fields.setdefault(name, []).extend(texts)
    return fields
