"""Daily sign-in: once per local day of the tenant, with streak rewards from `sign_in_points`."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.db import insert_ignoring_conflicts
from core.ids import new_id
from core.tenancy import require_tenant_id
from loyalty.errors import AlreadySignedIn
from loyalty.points import service as points
from loyalty.points.rules import sign_in_points
from loyalty.settings import loyalty_rules
from loyalty.signin.models import SignIn


def sign_in(session: Session, *, customer_id: str) -> dict:
    """Sign in for today: a streak continues from yesterday's sign-in and earns that day's points."""
    now, rules = clock.now(), loyalty_rules(session)
    today = now.astimezone(ZoneInfo(rules["timezone"])).date()
    yesterday = session.scalars(
        select(SignIn.streak).where(SignIn.customer_id == customer_id, SignIn.local_date == today - timedelta(days=1))
    ).one_or_none()
    streak = (yesterday or 0) + 1
    reward = sign_in_points(streak, rules["sign_in_points"])
    # Two taps at once: the unique (customer, local day) decides which one signs in, not a prior read.
    signed_in = insert_ignoring_conflicts(
        session, SignIn.__table__,
        {"tenant_id": require_tenant_id(), "id": new_id("sgn"), "customer_id": customer_id, "local_date": today,
         "streak": streak, "points": reward, "created_at": now},
        index_elements=["tenant_id", "customer_id", "local_date"],
    )
    if not signed_in:
        raise AlreadySignedIn()
    if reward:
        points.credit(session, customer_id=customer_id, kind="sign_in", points=reward,
                      source=f"sign_in:{customer_id}:{today.isoformat()}")
    return {"points": reward, "streak": streak, "date": today}
