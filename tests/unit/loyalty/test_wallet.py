from datetime import UTC, datetime, timedelta

import pytest

from loyalty.checkout import InsufficientPoints
from loyalty.points.wallet import Draw, Wallet

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def credit(wallet, lot_id, points, *, expires_in_days=None, pending_days=0):
    return wallet.credit(
        kind="earn", points=points, source=f"src:{lot_id}", lot_id=lot_id, now=NOW,
        available_at=NOW + timedelta(days=pending_days),
        expires_at=NOW + timedelta(days=expires_in_days) if expires_in_days is not None else None,
    )


def test_spending_draws_the_soonest_expiring_lots_first():
    wallet = Wallet()
    credit(wallet, "never", 100)
    credit(wallet, "late", 100, expires_in_days=60)
    credit(wallet, "soon", 100, expires_in_days=10)

    entry = wallet.debit(kind="exchange", points=150, source="x", now=NOW)

    assert entry.points == -150
    assert entry.draws == (Draw("soon", 100), Draw("late", 50))
    assert wallet.balance(NOW) == 150


def test_spending_more_than_is_spendable_is_refused_and_changes_nothing():
    wallet = Wallet()
    credit(wallet, "available", 100)
    credit(wallet, "pending", 100, pending_days=3)

    with pytest.raises(InsufficientPoints):
        wallet.debit(kind="exchange", points=101, source="x", now=NOW)

    assert (wallet.balance(NOW), wallet.pending(NOW)) == (100, 100)


def test_expired_lots_cannot_be_spent():
    wallet = Wallet()
    credit(wallet, "soon", 100, expires_in_days=1)

    with pytest.raises(InsufficientPoints):
        wallet.debit(kind="exchange", points=1, source="x", now=NOW + timedelta(days=1))


def test_a_clawback_takes_the_orders_own_lot_first_then_leaves_debt():
    wallet = Wallet()
    credit(wallet, "other", 30)
    credit(wallet, "own", 50, pending_days=7)

    wallet.claw_back(points=100, source="r", now=NOW, own_lot_ids=["own"])

    assert (wallet.lots["own"].remaining, wallet.lots["other"].remaining, wallet.debt) == (0, 0, 20)


def test_later_credits_pay_the_debt_first():
    wallet = Wallet(debt=20)

    credit(wallet, "new", 50)

    assert (wallet.debt, wallet.balance(NOW), wallet.lots["new"].points) == (0, 30, 50)


def test_a_cancelled_order_gives_its_points_back_to_the_lots_they_came_from():
    wallet = Wallet()
    credit(wallet, "soon", 40, expires_in_days=5)
    credit(wallet, "late", 100, expires_in_days=50)
    hold = wallet.hold(points=60, source="o", now=NOW)

    wallet.release(points=60, draws=hold.draws, source="o:release")

    assert (wallet.lots["soon"].remaining, wallet.lots["late"].remaining, wallet.held) == (40, 100, 0)


def test_released_points_pay_the_debt_first_keeping_the_latest_expiring():
    wallet = Wallet()
    credit(wallet, "soon", 40, expires_in_days=5)
    credit(wallet, "late", 100, expires_in_days=50)
    hold = wallet.hold(points=120, source="o", now=NOW)
    wallet.claw_back(points=30, source="r", now=NOW)  # 20 from "late", 10 becomes debt

    wallet.release(points=120, draws=hold.draws, source="o:release")

    assert wallet.debt == 0
    assert (wallet.lots["soon"].remaining, wallet.lots["late"].remaining) == (30, 80)
