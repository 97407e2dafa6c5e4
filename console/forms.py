"""Reading console forms into the API's own inputs, and handing their errors back to the fields.

A form is turned into the dict the API's endpoint would receive (yuan into minor units, `skus-0-price`
rows into a list) and loaded with the API's own marshmallow schema, so the console has no rules of its
own; each error is reported under the form field's name (`skus-0-price`, `orders-unpaid_timeout_minutes`).
"""

from __future__ import annotations

from collections.abc import Mapping

import marshmallow as ma
from flask import request
from flask_babel import gettext as _

from console import formatting
from console.messages import translate
from core.errors import DomainError


class FormErrors(DomainError):
    """The form cannot be taken as it is: per-field messages, shown at their fields (422)."""

    status, reason = 422, "invalid_request"
    message = "Some fields need another look"

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__(errors=fields)
        self.fields = fields


def field_errors(messages, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested messages as form field names: {"skus": {0: {"price": [..]}}} -> {"skus-0-price": [..]}.

    The API's error bodies wrap them in a location ("json"), which is dropped; `_schema` errors are the
    form's own (shown above it).
    """
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            if prefix == "" and key in ("json", "form", "query"):
                name = ""
            else:
                name = f"{prefix}-{key}" if prefix else str(key)
            for field, texts in field_errors(value, name).items():
                flat.setdefault(field, []).extend(texts)
        return flat
    texts = messages if isinstance(messages, list) else [messages]
    return {prefix or "_schema": [translate(str(text)) for text in texts if not isinstance(text, dict | list)]}


class FormReader:
    """Typed reads of the submitted form, collecting an error per field instead of failing on the first."""

    def __init__(self, form: Mapping | None = None, *, currency: str = "CNY"):
        self.form = request.form if form is None else form
        self.currency = currency
        self.errors: dict[str, list[str]] = {}

    def has(self, name: str) -> bool:
        return bool(self.form.get(name, "").strip())

    def require(self, *names: str) -> None:
        """Record "Required." for each of these fields left blank."""
        for name in names:
            if not self.has(name):
                self.errors.setdefault(name, []).append(_("Required."))

    def text(self, name: str, *, blank_as_none: bool = True) -> str | None:
        value = self.form.get(name, "").strip()
        return None if blank_as_none and not value else value

    def integer(self, name: str) -> int | None:
        value = self.text(name)
        if value is None:
            return None
        try:
            return int(value.replace(",", ""))
        except ValueError:
            self.errors.setdefault(name, []).append(_("Enter a whole number."))
            return None

    def money(self, name: str) -> int | None:
        """An amount typed in major units (yuan), as minor units."""
        value = self.text(name)
        if value is None:
            return None
        try:
            return formatting.parse_money(value, self.currency)
        except ValueError:
            self.errors.setdefault(name, []).append(_("Enter an amount in yuan, like 12.50."))
            return None

    def flag(self, name: str) -> bool:
        """A checkbox: its hidden "off" comes first in the form, then "on" if it is ticked."""
        values = self.form.getlist(name) if hasattr(self.form, "getlist") else [self.form.get(name)]
        return any(value in ("on", "true", "1", "yes") for value in values)

    def datetime(self, name: str, timezone: str):
        value = self.text(name)
        if value is None:
            return None
        try:
            return formatting.parse_input_datetime(value, timezone)
        except ValueError:
            self.errors.setdefault(name, []).append(_("Enter a date and time."))
            return None

    def rows(self, prefix: str) -> list[int]:
        """The indexes of repeated rows present in the form (`skus-0-…`, `skus-3-…`), in order."""
        indexes = set()
        for key in self.form:
            head, _sep, rest = key.partition("-")
            index, _sep, _field = rest.partition("-")
            if head == prefix and index.isdigit():
                indexes.add(int(index))
        return sorted(indexes)

    def load(self, schema: ma.Schema, data: dict, *, prefix: str = "") -> dict:
        """Load `data` with the API's schema; its errors, and those met while reading, raise FormErrors."""
        try:
            loaded = schema.load(data)
        except ma.ValidationError as error:
            # A field that could not even be read (yuan, a number) keeps that error alone.
            self.add({name: texts for name, texts in field_errors(error.messages, prefix).items()
                      if name not in self.errors})
            loaded = None
        self.raise_if_any()
        return loaded

    def add(self, errors: dict[str, list[str]]) -> None:
        for name, texts in errors.items():
            known = self.errors.setdefault(name, [])
            known.extend(text for text in texts if text not in known)

    def raise_if_any(self) -> None:
        if self.errors:
            raise FormErrors(self.errors)
