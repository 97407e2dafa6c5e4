"""Stale forms: a form carries the version of the record it was rendered from, and a write goes ahead only
if the record still has that version, compared under the record's row lock in the write's own transaction.

A version is a keyed hash of everything the record holds (its rows and child rows), so any change through
the console, the API or a job makes older forms stale, and the hash reveals nothing of the values. Since a
successful write changes the version, the same form submitted twice (a double click, a resubmitted page)
is refused the second time: the version is also the form's idempotency key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable

from flask import current_app, request
from sqlalchemy import inspect
from sqlalchemy.orm import Session

from core.errors import DomainError

FIELD = "form_version"


class StaleForm(DomainError):
    status, reason = 409, "stale_form"
    message = "Someone changed this since the page was opened; reload it to see the change, then try again"


def _columns(obj) -> dict:
    return {attr.key: getattr(obj, attr.key) for attr in inspect(obj).mapper.column_attrs}


def version_of(*parts) -> str:
    """The version of a record made of these parts: ORM objects (all their columns), iterables of them, or
    plain values."""
    flat = []
    for part in parts:
        if isinstance(part, list | tuple):
            flat.append([_columns(item) if hasattr(item, "__mapper__") else item for item in part])
        elif hasattr(part, "__mapper__"):
            flat.append(_columns(part))
        else:
            flat.append(part)
    canonical = json.dumps(flat, sort_keys=True, default=str, separators=(",", ":")).encode()
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, b"console-version:" + canonical, hashlib.sha256).hexdigest()[:32]


def lock(session: Session, objects: Iterable) -> None:
    """Take the row locks of these objects (in the order given: keep it the order the services lock in) and
    reload them, so the version compared is the one the write will change."""
    for obj in objects:
        session.refresh(obj, with_for_update=True)


def check(current: str) -> None:
    """Refuse the submitted form (409 stale_form) unless it was rendered from the `current` version."""
    submitted = request.form.get(FIELD, "")
    if not hmac.compare_digest(submitted, current):
        raise StaleForm()
