"""Settings sections: each domain registers its own section with a marshmallow schema.

A schema's fields carry their defaults (`load_default`); fields marked
`metadata={"write_only": True}` are secrets: accepted on PATCH, never returned (GET shows
`<name>_set: true|false` instead).

A capability that must react when a section changes (segments recomputes every stage when the `lifecycle`
thresholds move) registers `on_change(name, callback)`: `callback(session)` runs in the PATCH's
transaction, after the new values are stored, whenever the section's values differ from before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import marshmallow as ma


@dataclass(frozen=True)
class Section:
    name: str
    schema: type[ma.Schema]
    listeners: list[Callable] = field(default_factory=list)

    def write_only_fields(self) -> list[str]:
        return [n for n, f in self.schema._declared_fields.items() if f.metadata.get("write_only")]


_sections: dict[str, Section] = {}


def register_section(name: str, schema: type[ma.Schema]) -> None:
    """Register a settings section (called at import time by the domain that owns it)."""
    _sections[name] = Section(name, schema)


def on_change(name: str, callback: Callable) -> None:
    """Call `callback(session)` whenever a PATCH changes the values of section `name`."""
    listeners = _sections[name].listeners
    if callback not in listeners:
        listeners.append(callback)


def sections() -> dict[str, Section]:
    return dict(_sections)
