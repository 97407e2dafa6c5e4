"""Distributors: the accounts by status, and the shop's decisions on each (approve, reject, suspend,
reinstate), each form checked against the account's version so two clerks never decide on what they did not
see."""

from __future__ import annotations

from flask import request
from flask_babel import gettext as _

from console import stale, versions
from console.forms import FormErrors
from console.web import bp, done, page, render, submitted
from core.db import unit_of_work
from shop.distribution import service as distribution
from shop.distribution.models import STATUSES

LISTED = ("pending", "approved", "rejected", "suspended", "none")


@bp.route("/distributors")
@page("distributors")
def distributors():
    return _list_page(_status_filter())


def _status_filter() -> str | None:
    return request.args.get("status") if request.args.get("status") in STATUSES else None


def _list_page(status: str | None, errors=None, refusal=None, http_status=200, failed_id=None):
    with unit_of_work() as session:
        listed = distribution.list_distributors(session, status=status, limit=50,
                                                starting_after=request.args.get("starting_after"))
        rows = [{"account": account,
                 "version": versions.distributor(session, distributor_id=account.id),
                 "decisions": distribution.decisions_for(account.status)} for account in listed.data]
    return render("console/distributors/list.html", http_status, distributors=listed, rows=rows, status=status,
                  statuses=LISTED, errors=errors or {}, refusal=refusal, failed_id=failed_id)


@bp.route("/distributors/<distributor_id>/decision", methods=["POST"])
@page("distributors")
def decide_distributor(distributor_id):
    status = _status_filter()

    def write() -> str:
        with unit_of_work() as session:
            # The account first: another shop's account is 404 whatever the form holds.
            stale.check(versions.distributor(session, distributor_id=distributor_id, lock=True))
            decision = request.form.get("decision", "")
            if decision not in distribution.DECISIONS:
                raise FormErrors({"decision": [_("Choose approve, reject, suspend or reinstate.")]})
            distribution.decide(session, distributor_id=distributor_id, decision=decision)
        return done("console.distributors", decision, status=status)

    return submitted(write, again=lambda status=200, **kw: _list_page(_status_filter(), http_status=status,
                                                                       failed_id=distributor_id, **kw))
