"""The rule language of tags and segments: parsing and validation, pure.

    rule      := {"all": [item, …]} | {"any": [item, …]}      (non-empty; the top is always a group)
    item      := rule | condition
    condition := {"field": F, "op": O, "value": V}

Every mistake is reported under the path of the part that is wrong (`rule.all.1.op`), all of them at
once, so a merchant's editor can point at each. The compiler (loyalty/segments/compiler.py) turns a
parsed rule into SQL; nothing here touches a database (tag ids are checked against the set given).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from loyalty.segments.rules import STAGES

GROUPS = ("all", "any")
NUMERIC_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "in")
EQUALITY_OPS = ("eq", "ne")
MAX_DEPTH = 5  # groups within groups
MAX_CONDITIONS = 100
MAX_IN_VALUES = 100
MAX_NUMBER = 10**15


@dataclass(frozen=True)
class FieldSpec:
    kind: str  # number | stage | tag | boolean
    ops: tuple[str, ...]


FIELDS = {
    "stage": FieldSpec("stage", ("eq", "ne", "in")),
    "paid_orders": FieldSpec("number", NUMERIC_OPS),
    "net_spend": FieldSpec("number", NUMERIC_OPS),
    "last_paid_days": FieldSpec("number", NUMERIC_OPS),
    "registered_days": FieldSpec("number", NUMERIC_OPS),
    "points_balance": FieldSpec("number", NUMERIC_OPS),
    "tag": FieldSpec("tag", EQUALITY_OPS),
    "is_distributor": FieldSpec("boolean", EQUALITY_OPS),
    "referred": FieldSpec("boolean", EQUALITY_OPS),
}


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: object  # an int, a stage, a tag id, a bool, or a tuple of them for `in`


@dataclass(frozen=True)
class Group:
    kind: str  # all | any
    items: tuple[Group | Condition, ...]


class RuleErrors(Exception):
    """The rule is not valid: `errors` maps each bad part's path to what is wrong with it."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(f"invalid rule: {errors}")
        self.errors = errors


def parse(rule: object, *, known_tags: set[str], path: str = "rule") -> Group:
    """The parsed rule, or RuleErrors naming every bad part by its path."""
    errors: dict[str, list[str]] = {}
    counter = [0]
    parsed = _group(rule, path, 1, known_tags, errors, counter)
    if counter[0] > MAX_CONDITIONS:
        errors.setdefault(path, []).append(f"At most {MAX_CONDITIONS} conditions in a rule.")
    if errors:
        raise RuleErrors(errors)
    return parsed


def tag_ids(rule: object) -> set[str]:
    """Every string given as a `tag` condition's value, however malformed the rest (to look them up)."""
    found = set()
    for node in _walk(rule):
        if node.get("field") == "tag" and isinstance(node.get("value"), str):
            found.add(node["value"])
    return found


def conditions(rule: Group) -> Iterator[Condition]:
    """Every condition of a parsed rule, depth first."""
    for item in rule.items:
        if isinstance(item, Group):
            yield from conditions(item)
        else:
            yield item


def _walk(node: object, depth: int = 0) -> Iterator[dict]:
    if depth > MAX_DEPTH + 1 or not isinstance(node, dict):
        return
    yield node
    for key in GROUPS:
        if isinstance(node.get(key), list):
            for item in node[key]:
                yield from _walk(item, depth + 1)


def _add(errors: dict, path: str, message: str) -> None:
    errors.setdefault(path, []).append(message)


def _group(node: object, path: str, depth: int, known_tags: set[str], errors: dict, counter: list) -> Group | None:
    keys = list(node) if isinstance(node, dict) else []
    if not isinstance(node, dict) or len(keys) != 1 or keys[0] not in GROUPS:
        _add(errors, path, 'Must be {"all": [...]} or {"any": [...]}.')
        return None
    if depth > MAX_DEPTH:
        _add(errors, path, f"Groups nest at most {MAX_DEPTH} deep.")
        return None
    kind = keys[0]
    items = node[kind]
    if not isinstance(items, list) or not items:
        _add(errors, f"{path}.{kind}", "Must be a non-empty list of conditions or groups.")
        return None
    parsed = []
    for index, item in enumerate(items):
        item_path = f"{path}.{kind}.{index}"
        if isinstance(item, dict) and any(key in item for key in GROUPS):
            parsed.append(_group(item, item_path, depth + 1, known_tags, errors, counter))
        else:
            counter[0] += 1
            parsed.append(_condition(item, item_path, known_tags, errors))
    return Group(kind, tuple(parsed))


def _condition(node: object, path: str, known_tags: set[str], errors: dict) -> Condition | None:
    if not isinstance(node, dict):
        _add(errors, path, "Must be a condition {field, op, value} or a group.")
        return None
    before = len(errors)
    for key in sorted(set(node) - {"field", "op", "value"}):
        _add(errors, f"{path}.{key}", "Unknown field.")
    for key in ("field", "op", "value"):
        if key not in node:
            _add(errors, f"{path}.{key}", "Missing data for required field.")
    field, op = node.get("field"), node.get("op")
    spec = FIELDS.get(field) if isinstance(field, str) else None
    if "field" in node and spec is None:
        _add(errors, f"{path}.field", f"Must be one of: {', '.join(FIELDS)}.")
    if spec is not None and "op" in node and op not in spec.ops:
        _add(errors, f"{path}.op", f"Must be one of: {', '.join(spec.ops)} (for {field}).")
    if spec is None or op not in spec.ops or "value" not in node:
        return None
    value = _value(node["value"], spec, op, f"{path}.value", known_tags, errors)
    return None if len(errors) > before else Condition(field, op, value)


def _value(value: object, spec: FieldSpec, op: str, path: str, known_tags: set[str], errors: dict):
    if op == "in":
        if not isinstance(value, list) or not value or len(value) > MAX_IN_VALUES:
            _add(errors, path, f"Must be a list of 1 to {MAX_IN_VALUES} values.")
            return None
        before = len(errors)
        checked = [_scalar(item, spec, f"{path}.{index}", known_tags, errors) for index, item in enumerate(value)]
        return tuple(dict.fromkeys(checked)) if len(errors) == before else None
    return _scalar(value, spec, path, known_tags, errors)


def _scalar(value: object, spec: FieldSpec, path: str, known_tags: set[str], errors: dict):
    if spec.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_NUMBER:
            _add(errors, path, f"Must be a whole number from 0 to {MAX_NUMBER}.")
    elif spec.kind == "boolean":
        if not isinstance(value, bool):
            _add(errors, path, "Must be true or false.")
    elif spec.kind == "stage":
        if value not in STAGES:
            _add(errors, path, f"Must be one of: {', '.join(STAGES)}.")
    elif spec.kind == "tag" and (not isinstance(value, str) or value not in known_tags):
        _add(errors, path, "No such tag.")
    return value
