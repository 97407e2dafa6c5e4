"""The home page's cards: each reads one domain's figures and is shown to the roles that may read them.

A capability adds its card with `@card(...)` (commissions, withdrawals waiting, vouchers redeemed today):
a function of the session and the tenant's calendar that returns what its template shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy.orm import Session

from console import access, charts, formatting
from core import clock
from loyalty.points import service as points
from loyalty.points.service.flow import flow_by_day
from loyalty.vouchers import service as vouchers
from shop.orders.service import reports as sales

CHART_DAYS = 30


@dataclass(frozen=True)
class Calendar:
    """The tenant's calendar as of now: where today, this month and the chart's 30 days begin (UTC)."""

    timezone: str
    currency: str
    now: datetime
    today: date

    @classmethod
    def of(cls, *, timezone: str, currency: str) -> Calendar:
        now = clock.now()
        return cls(timezone, currency, now, now.astimezone(ZoneInfo(timezone)).date())

    def start_of(self, day: date) -> datetime:
        return datetime.combine(day, time(0), tzinfo=ZoneInfo(self.timezone))

    @property
    def days(self) -> list[date]:
        return [self.today - timedelta(days=offset) for offset in range(CHART_DAYS - 1, -1, -1)]


@dataclass(frozen=True)
class Card:
    name: str
    page: str  # the console.access entry whose readers see it
    template: str
    build: Callable[[Session, Calendar], dict]


CARDS: list[Card] = []


def card(name: str, *, page: str, template: str):
    """Register a home-page card (in the order they should appear)."""

    def register(build: Callable[[Session, Calendar], dict]):
        CARDS.append(Card(name, page, template, build))
        return build

    return register


def cards_for(session: Session, *, role: str, calendar: Calendar) -> list[dict]:
    """The cards this role may see, built."""
    return [{"name": c.name, "template": c.template, **c.build(session, calendar)}
            for c in CARDS if access.may_read(role, c.page)]


@card("sales", page="orders", template="console/cards/sales.html")
def _sales(session: Session, calendar: Calendar) -> dict:
    month_start = calendar.start_of(calendar.today.replace(day=1))
    by_day = sales.sales_by_day(session, start=calendar.start_of(calendar.days[0]), timezone=calendar.timezone)
    labels = [day.strftime("%m-%d") for day in calendar.days]
    values = [by_day.get(day, {}).get("amount", 0) for day in calendar.days]
    counts = [by_day.get(day, {}).get("orders", 0) for day in calendar.days]

    def fmt(amount: int) -> str:
        return formatting.money(amount, calendar.currency)

    chart = charts.bar_chart(
        "sales-30d", _("Sales, last 30 days"), labels, values,
        fmt=lambda amount: formatting.money(amount, calendar.currency).split(".")[0],
        describe=lambda i: _("%(amount)s from %(orders)s orders", amount=fmt(values[i]), orders=counts[i]),
        head=[_("Day"), _("Sales")])
    return {
        "today": sales.paid_between(session, start=calendar.start_of(calendar.today), end=calendar.now),
        "month": sales.paid_between(session, start=month_start, end=calendar.now),
        "chart": chart,
    }


@card("points", page="points_report", template="console/cards/points.html")
def _points(session: Session, calendar: Calendar) -> dict:
    flow = flow_by_day(session, start=calendar.start_of(calendar.days[0]), timezone=calendar.timezone)
    labels = [day.strftime("%m-%d") for day in calendar.days]
    series = [(kind, label, [flow.get(day, {}).get(kind, 0) for day in calendar.days])
              for kind, label in (("issued", _("Issued")), ("spent", _("Spent")), ("expired", _("Expired")))]
    chart = charts.line_chart("points-flow", _("Points issued, spent and expired, last 30 days"), labels, series,
                              fmt=formatting.number, head=[_("Day"), _("Issued"), _("Spent"), _("Expired")])
    return {"report": points.points_report(session), "chart": chart}


# --- commissions and withdrawals (finance) ---------------------------------------------------------------

@card("commissions", page="finance", template="console/cards/commissions.html")
def _commissions(session: Session, calendar: Calendar) -> dict:
    from shop.finance import service as finance

    report = finance.commissions_report(session)  # no period: balances now, flows since the beginning
    buckets = [("frozen", _("Frozen"), report["frozen"]),
               ("available", _("Available to withdraw"), report["available"]),
               ("withdrawing", _("Being withdrawn"), report["withdrawing"]),
               ("withdrawn", _("Paid out"), report["withdrawn"])]
    labels = [str(label) for _key, label, _amount in buckets]
    values = [amount for _key, _label, amount in buckets]
    chart = charts.bar_chart(
        "commissions", _("Commissions by status"), labels, values,
        fmt=lambda amount: formatting.money(amount, calendar.currency).split(".")[0],
        describe=lambda i: f"{labels[i]}: {formatting.money(values[i], calendar.currency)}",
        head=[_("Status"), _("Amount")], every=1)
    chart.empty = False  # all time, not the last 30 days: the figures above say when there is nothing
    return {"report": report, "chart": chart}


@card("withdrawals", page="finance", template="console/cards/withdrawals.html")
def _withdrawals(session: Session, calendar: Calendar) -> dict:
    from shop.finance import service as finance

    return {"waiting": finance.open_totals(session)}
@card("vouchers", page="verify", template="console/cards/vouchers.html")
def _vouchers(session: Session, calendar: Calendar) -> dict:
    return {"redeemed_today": vouchers.redeemed_between(session, start=calendar.start_of(calendar.today),
                                                        end=calendar.now)}
