"""Responses dumped as marshmallow dumps them, with its per-field dispatch worked out once per schema.

For each field of each object, marshmallow's `Schema._serialize` calls the field's `serialize`, which calls its
`get_value`, the schema's `get_attribute`, `utils.get_value` and `_get_value_for_key` (which asks the object
for `__getitem__`), then the field's `_serialize`: some six calls to read one attribute and format it. An
order's response has some 120 fields (its lines and payment included): 200 µs of CPU a dump (issue 14), twice
an order. Here a schema's plan is made once: for each field, where to read it and how to format it.

What marshmallow does is kept, field by field:
- a String, an Integer (not `as_string`) and an ISO DateTime are formatted as their `_serialize` would;
- any other field is formatted by its own `_serialize` (Nested and List dump through their schemas, so a
  nested schema of ours takes its own plan);
- a field whose class reads its value its own way (it overrides `serialize` or `get_value`, or reads no
  attribute), or whose attribute is a dotted path, is dumped by its own `serialize`, as marshmallow would;
- a value that is missing takes the field's `dump_default`, or the key is left out;
- a mapping (an object with `__getitem__`, read by key first) and a schema that overrides `get_attribute` take
  marshmallow's own path whole.

A mapped attribute whose value is loaded is read from the object's dictionary, where SQLAlchemy's descriptor
would read it (its `__get__` is some 0.8 µs, sixty times an order); anything else goes through `getattr`.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable

import marshmallow as ma
from marshmallow import fields, missing, utils
from sqlalchemy.orm.attributes import QueryableAttribute

_FORMATTED = object()  # a plan entry whose callable gives the dumped value itself (or `missing`)


def dump_plan(schema: ma.Schema) -> tuple | None:
    """The schema's plan: (key, attribute, field, format) per dumped field, the attribute `_FORMATTED` where the
    field's own `serialize` reads and formats it; None if marshmallow's path must run for the whole schema."""
    if type(schema).get_attribute is not ma.Schema.get_attribute:
        return None
    return tuple(_entry(schema, name, field) for name, field in schema.dump_fields.items())


def dump_with_plan(schema: ma.Schema, plan: tuple, obj) -> dict:
    """`obj` (no mapping) dumped as `Schema._serialize` would, by `plan`."""
    dumped = schema.dict_class()
    held = getattr(obj, "__dict__", None) or {}
    direct = _read_directly.get(type(obj))
    if direct is None:
        direct = _read_directly[type(obj)] = _ReadDirectly(type(obj))
    for key, attribute, field, format_value in plan:
        if attribute is _FORMATTED:
            value = format_value(obj)
            if value is not missing:
                dumped[key] = value
            continue
        value = held[attribute] if attribute in held and attribute in direct else getattr(obj, attribute, missing)
        if value is missing:
            default = field.dump_default
            value = default() if callable(default) else default
            if value is missing:
                continue
        dumped[key] = format_value(value, obj)
    return dumped


class _ReadDirectly:
    """The attributes of a class whose value, when the instance's dictionary holds it, is what `getattr` would
    give: mapped attributes (SQLAlchemy's descriptor returns a loaded value from there) and every name the class
    does not hold a data descriptor for (Python itself reads the instance's dictionary first then). A property
    or other data descriptor is read through `getattr`, as is everything of a class with its own
    `__getattribute__`."""

    def __init__(self, cls: type):
        self.cls = cls
        self.plain = cls.__getattribute__ is object.__getattribute__
        self.known: dict[str, bool] = {}

    def __contains__(self, attribute: str) -> bool:
        direct = self.known.get(attribute)
        if direct is None:
            found = inspect.getattr_static(self.cls, attribute, missing)
            data_descriptor = hasattr(type(found), "__set__") or hasattr(type(found), "__delete__")
            direct = self.known[attribute] = self.plain and (
                isinstance(found, QueryableAttribute) or not data_descriptor)
        return direct


_read_directly: dict[type, _ReadDirectly] = {}


def _entry(schema: ma.Schema, name: str, field: fields.Field) -> tuple:
    key = field.data_key if field.data_key is not None else name
    attribute = name if field.attribute is None else field.attribute
    kind = type(field)
    if (kind.serialize is not fields.Field.serialize or kind.get_value is not fields.Field.get_value
            or not field._CHECK_ATTRIBUTE or "." in attribute):
        return key, _FORMATTED, field, _own_serialize(schema, name, field)
    return key, attribute, field, _format_of(name, field)


def _own_serialize(schema: ma.Schema, name: str, field: fields.Field) -> Callable:
    def serialize(obj):
        return field.serialize(name, obj, accessor=schema.get_attribute)

    return serialize


def _format_of(name: str, field: fields.Field) -> Callable:
    kind = type(field)
    if kind is fields.String:
        return _string
    if kind is fields.Integer and not field.as_string:
        return _integer
    if kind is fields.DateTime and (field.format or field.DEFAULT_FORMAT) in ("iso", "iso8601"):
        return _iso_datetime
    own = field._serialize

    def format_value(value, obj):
        return own(value, name, obj)

    return format_value


def _string(value, _obj):
    if value is None or type(value) is str:
        return value
    return utils.ensure_text_type(value)


def _integer(value, _obj):
    return None if value is None else int(value)


def _iso_datetime(value, _obj):
    return None if value is None else dt.datetime.isoformat(value)
