"""Settings sections: each domain registers its own section with a marshmallow schema.

A schema's fields carry their defaults (`load_default`); fields marked
`metadata={"write_only": True}` are secrets: accepted on PATCH, never returned (GET shows
`<name>_set: true|false` instead).
"""

from __future__ import annotations

from dataclasses import dataclass

import marshmallow as ma


@dataclass(frozen=True)
class Section:
    name: str
    schema: type[ma.Schema]

    def write_only_fields(self) -> list[str]:
        return [n for n, f in self.schema._declared_fields.items() if f.metadata.get("write_only")]


_sections: dict[str, Section] = {}


def register_section(name: str, schema: type[ma.Schema]) -> None:
    """Register a settings section (called at import time by the domain that owns it)."""
    _sections[name] = Section(name, schema)


def sections() -> dict[str, Section]:
    return dict(_sections)
