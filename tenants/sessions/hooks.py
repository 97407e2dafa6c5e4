"""What other capabilities do when a customer logs in with an invite code.

`tenants` cannot know about distribution (shop) or referrals (loyalty); they register a hook here
(wired in app.py through their `wire()`), and the login answers each hook's result under its name
(`referral`, `binding`). A login never fails because of an invite code: each hook runs in a
savepoint, and a refusal it raises becomes its `refused` answer with the refusal's reason.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.errors import DomainError

log = logging.getLogger("fission.sessions")

# hook(session, *, customer, created, invite_code) -> the answer under the hook's name.
LoginHook = Callable[..., dict]


@dataclass(frozen=True)
class _Registered:
    name: str
    hook: LoginHook
    on_refusal: Callable[[DomainError], dict]


_hooks: dict[str, _Registered] = {}


def register(name: str, hook: LoginHook, *, on_refusal: Callable[[DomainError], dict] | None = None) -> None:
    """Run `hook` at every login that carries an invite code; its answer appears under `name`."""
    _hooks[name] = _Registered(name, hook, on_refusal or (lambda e: {"status": "refused", "reason": e.reason}))


def registered_names() -> list[str]:
    return list(_hooks)


def run(session: Session, *, customer, created: bool, invite_code: str) -> dict:
    """Every hook's answer, by name."""
    answers = {}
    for registered in _hooks.values():
        try:
            with session.begin_nested():
                answers[registered.name] = registered.hook(session, customer=customer, created=created,
                                                           invite_code=invite_code)
        except DomainError as refusal:
            answers[registered.name] = registered.on_refusal(refusal)
    return answers
