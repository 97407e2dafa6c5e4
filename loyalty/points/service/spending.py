"""Points out: held by an unpaid order, spent when it is paid, back when it is cancelled; spent on rewards."""

from __future__ import annotations

from sqlalchemy import TextClause, text, update
from sqlalchemy.orm import Session

from core import clock
from core.driver import execute_on_driver
from core.ids import new_id
from core.tenancy import require_tenant_id
from loyalty.points.models import PointsEntry, PointsHold
from loyalty.points.service.accounts import CustomerPoints, draws_of


def hold_for_order(session: Session, *, customer_id: str, order_id: str, points: int) -> None:
    """Spend points on a pending order (soonest-expiring first) and hold them with it; InsufficientPoints
    if the customer cannot spend that many now."""
    if session.get_bind().dialect.name == "postgresql" and hold_in_one_statement(
            session, customer_id=customer_id, order_id=order_id, points=points).ok:
        return
    hold_by_wallet(session, customer_id=customer_id, order_id=order_id, points=points)


def hold_by_wallet(session: Session, *, customer_id: str, order_id: str, points: int) -> None:
    """The general path (SQLite, and PostgreSQL whenever the one statement held nothing): lock the account,
    then load and lock the open lots, and let the Wallet draw."""
    customer = CustomerPoints.open(session, customer_id=customer_id, open_lots=True)
    now = clock.now()
    entry = customer.wallet.hold(points=points, source=f"order:{order_id}:spend", now=now)
    row = customer.record(entry, now=now, order_id=order_id)
    session.add(PointsHold(order_id=order_id, customer_id=customer_id, points=points, returned=0, status="held",
                           draws=row.draws, created_at=now, updated_at=now))


# PostgreSQL holds in one round trip what the Wallet does in six: the account locked (first, as everywhere:
# the lots' scan waits on it, an InitPlan), the spendable lots drawn soonest-expiring first (`Wallet.debit`'s
# order: never-expiring last, then by availability, then by id in byte order, as Python compares it), the lots
# drawn locked in id order, and, only if they cover the points, the entry, the hold, the lots and `held` written.
# Its snapshot is taken before it has the account lock, so it must not wait for that lock: a change to this
# customer's points committed meanwhile (a lot added, or refilled from nothing) would be invisible to it. So
# the account is taken with SKIP LOCKED and must be the version the snapshot saw (same `xmin`: no payment,
# hold or release came in between); otherwise, or if the points are short, it writes nothing and the Wallet's
# path decides under the lock with fresh reads (so every refusal is still the Wallet's). Only the lots drawn
# are locked (a customer who earns on every order has a lot per order: locking them all made each checkout
# with points cost more the more the customer had bought), and each must still hold what the snapshot saw
# (FOR UPDATE reads its latest version: a draw by an exchange, an expiry batch's zero); if one does not, the
# Wallet's path decides too. The lots drawn are found by key as an array (`id = ANY(ARRAY(…))`), which the
# planner can only read as a look-up in the primary key: joined on id, a table it had not analysed yet was seen
# scanned tenant-wide for them. Only the HOLD_LOTS soonest spendable lots are read, in the order of the index that
# keeps them so (expires_at with NULLs last, available_at, id: the Wallet's order on plain columns); a hold they
# do not cover is the Wallet's, which reads every lot. The text never changes, so it is prepared once; it binds
# `:tenant_id`, as the tenancy hook demands, and names tenant_id in every WHERE. `{first}`, `{gate}` and
# `{answer}`: see `hold_statement`.
HOLD_LOTS = 32  # the most lots one statement draws from; a hold that needs more is the Wallet's
_HOLD_TEXT = """
WITH {first}locked AS (
    SELECT xmin FROM points_accounts
    WHERE tenant_id = :tenant_id AND customer_id = :customer_id AND {gate}
    FOR UPDATE SKIP LOCKED
), account AS (
    SELECT FROM locked JOIN points_accounts AS seen ON seen.xmin = locked.xmin
    WHERE seen.tenant_id = :tenant_id AND seen.customer_id = :customer_id
), spendable AS (
    SELECT id, remaining, available_at, expires_at FROM points_lots
    WHERE tenant_id = :tenant_id AND customer_id = :customer_id AND remaining > 0
      AND available_at <= :now AND (expires_at IS NULL OR expires_at > :now)
      AND EXISTS (SELECT FROM account)
    ORDER BY expires_at, available_at, id LIMIT {lots}
), ordered AS (
    SELECT id, remaining, row_number() OVER soonest AS position,
           sum(remaining) OVER soonest - remaining AS before
    FROM spendable
    WINDOW soonest AS (ORDER BY expires_at IS NULL, coalesce(expires_at, available_at), available_at,
                       id COLLATE "C" ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), drawn AS (
    SELECT id, remaining, least(remaining, :points - before) AS points, position FROM ordered WHERE before < :points
), drawn_locked AS (
    SELECT lot.id, lot.remaining FROM points_lots AS lot
    WHERE lot.tenant_id = :tenant_id AND lot.customer_id = :customer_id AND lot.id = ANY(ARRAY(SELECT id FROM drawn))
    ORDER BY lot.id FOR UPDATE
), enough AS (
    SELECT coalesce(sum(points), 0) = :points
           AND count(*) = (SELECT count(*) FROM drawn_locked JOIN drawn USING (id)
                           WHERE drawn_locked.remaining = drawn.remaining) AS ok,
           jsonb_agg(jsonb_build_object('lot_id', id, 'points', points) ORDER BY position) AS draws
    FROM drawn
), account_held AS (
    UPDATE points_accounts SET held = held + :points
    WHERE tenant_id = :tenant_id AND customer_id = :customer_id AND (SELECT ok FROM enough)
), lots_drawn AS (
    UPDATE points_lots AS lot SET remaining = lot.remaining - drawn.points
    FROM drawn
    WHERE lot.tenant_id = :tenant_id AND lot.customer_id = :customer_id AND lot.remaining > 0
      AND lot.id = ANY(ARRAY(SELECT id FROM drawn)) AND lot.id = drawn.id AND (SELECT ok FROM enough)
), entry AS (
    INSERT INTO points_entries (tenant_id, id, customer_id, kind, points, source, order_id, draws, created_at)
    SELECT :tenant_id, :entry_id, :customer_id, 'spend', -:points, :source, :order_id, draws, :now
    FROM enough WHERE ok
), hold AS (
    INSERT INTO points_holds (tenant_id, order_id, customer_id, points, returned, status, draws, created_at,
                              updated_at)
    SELECT :tenant_id, :order_id, :customer_id, :points, 0, 'held', draws, :now, :now FROM enough WHERE ok
)
SELECT ok{answer} FROM enough"""


def hold_statement(*, first: str = "", gate: str = "true", answer: str = "") -> TextClause:
    """The one-statement hold, after another step of the same checkout: `first` (CTEs, each followed by a comma)
    run before the account is locked, which only happens if `gate` (a condition on them, an InitPlan) holds;
    `answer` (`, expression…`) adds columns to the one row it returns after `ok`. Build it once, at import."""
    return text(_HOLD_TEXT.format(first=first, gate=gate, answer=answer, lots=HOLD_LOTS))


_HOLD = hold_statement()


def hold_in_one_statement(session: Session, statement: TextClause = _HOLD, *, customer_id: str, order_id: str,
                          points: int, **also) -> tuple:
    """`hold_for_order` on PostgreSQL in one statement (`_HOLD`, or one made by `hold_statement` with `also`'s
    parameters): its row, whose `ok` is False if it held nothing (then the Wallet's path decides)."""
    if points <= 0:
        raise ValueError("points must be positive")
    session.flush()  # the statement must see this unit of work's rows, as the ORM's reads did
    return execute_on_driver(session, statement, {
        "tenant_id": require_tenant_id(), "customer_id": customer_id, "order_id": order_id, "points": points,
        "entry_id": new_id("pte"), "source": f"order:{order_id}:spend", "now": clock.now(), **also,
    }).one()


def settle_for_order(session: Session, *, customer_id: str, order_id: str) -> None:
    """The order was paid: its held points are spent for good (once, whatever the deliveries)."""
    if session.get_bind().dialect.name == "postgresql" and _settle_in_one_statement(
            session, customer_id=customer_id, order_id=order_id):
        return
    _settle_by_wallet(session, customer_id=customer_id, order_id=order_id)


def _settle_by_wallet(session: Session, *, customer_id: str, order_id: str) -> None:
    customer = CustomerPoints.open(session, customer_id=customer_id)
    moved = _move_hold(session, order_id=order_id, status="spent")
    if moved is None:
        return
    points, _draws = moved
    customer.wallet.settle_hold(points=points)
    customer.save()


def _settle_in_one_statement(session: Session, *, customer_id: str, order_id: str) -> bool:
    """`settle_for_order` on PostgreSQL in one statement; False if the customer has no account row yet."""
    session.flush()  # the statement must see this unit of work's rows, as the ORM's reads did
    return execute_on_driver(session, _SETTLE, {"tenant_id": require_tenant_id(), "customer_id": customer_id,
                                                "order_id": order_id, "now": clock.now()}).one()[0]


# PostgreSQL settles in one round trip what took three: the account locked first (the hold's update waits on
# it, an InitPlan), then the hold moved `held -> spent` by its guard (a payment and a cancellation, or two
# deliveries, may race: the prior state decides, once), then the account's `held` lowered by what it moved.
# Nothing is read before it is locked, so the snapshot cannot hide anything here. A customer with no account
# row (so no hold either) answers False and takes the general path, which creates the row as it always did.
# Its CTEs (`account`, with the account's `debt`; `spent`; `unheld`) are also the first part of settlement.py's
# statement, which credits the order's earning in the same round trip.
SETTLE_CTES = """account AS (
    SELECT customer_id, debt FROM points_accounts
    WHERE tenant_id = :tenant_id AND customer_id = :customer_id
    FOR UPDATE
), spent AS (
    UPDATE points_holds SET status = 'spent', updated_at = :now
    WHERE tenant_id = :tenant_id AND order_id = :order_id AND status = 'held' AND EXISTS (SELECT FROM account)
    RETURNING points
), unheld AS (
    UPDATE points_accounts SET held = held - (SELECT points FROM spent)
    WHERE tenant_id = :tenant_id AND customer_id = :customer_id AND EXISTS (SELECT FROM spent)
)"""
_SETTLE = text(f"WITH {SETTLE_CTES}\nSELECT EXISTS (SELECT FROM account)")


def release_for_order(session: Session, *, customer_id: str, order_id: str) -> PointsEntry | None:
    """The unpaid order was cancelled: its held points go back to the lots they came from (debt first)."""
    customer = CustomerPoints.open(session, customer_id=customer_id)
    moved = _move_hold(session, order_id=order_id, status="released")
    if moved is None:
        return None
    points, draws = moved
    customer.load(lot_ids=[draw.lot_id for draw in draws])
    now = clock.now()
    entry = customer.wallet.release(points=points, draws=draws, source=f"order:{order_id}:release")
    return customer.record(entry, now=now, order_id=order_id)


def spend(session: Session, *, customer_id: str, points: int, kind: str, source: str) -> PointsEntry:
    """Spend points outright (a points-mall exchange); InsufficientPoints if the customer cannot."""
    customer = CustomerPoints.open(session, customer_id=customer_id, open_lots=True)
    now = clock.now()
    entry = customer.wallet.debit(kind=kind, points=points, source=source, now=now)
    return customer.record(entry, now=now)


def _move_hold(session: Session, *, order_id: str, status: str):
    """Move the order's held points to `status`; their amount and draws, or None if none are held."""
    # A payment and a cancellation (or two deliveries of one event) may race: the prior state decides, once.
    moved = session.execute(
        update(PointsHold)
        .where(PointsHold.order_id == order_id, PointsHold.status == "held")
        .values(status=status, updated_at=clock.now())
        .returning(PointsHold.points, PointsHold.draws)
    ).one_or_none()
    if moved is None:
        return None
    return moved.points, draws_of(moved.draws)
