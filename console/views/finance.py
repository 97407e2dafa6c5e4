"""Finance: settlement runs (started here, followed while a background job runs them), withdrawals to approve,
reject or mark paid, the reconciliation of a period with its discrepancies, the commissions report, the trial
balance and a distributor's statement, each downloadable as CSV with a byte-order mark. The same services as
/v1/finance.

/console/finance shows all of it at once, the reports for the period chosen in its form (`from`, `to`; this month
by default); /console/finance/reconciliation and /trial-balance show one report each, for the same period."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
from flask import g, request

from console import stale, versions
from console.dashboard import Calendar
from console.forms import FormErrors, FormReader, field_errors
from console.web import bp, done, page, render, submitted
from core import csv_export
from core.db import unit_of_work
from core.errors import DomainError
from core.periods import PeriodArgsSchema
from shop.distribution import service as distribution
from shop.distribution.schemas import SettlementSchema
from shop.finance import service as finance
from shop.finance.models import STATUSES
from shop.finance.schemas import (
    CommissionsReportSchema,
    DiscrepancySchema,
    MarkPaidSchema,
    ReconciliationSchema,
    RejectSchema,
    StatementRowSchema,
    TrialBalanceRowSchema,
    WithdrawalSchema,
)

LISTED = 50
SETTLEMENTS_SHOWN = 10


# --- settlements and withdrawals ---------------------------------------------------------------------------

@bp.route("/finance", endpoint="finance")
@page("finance")
def finance_home():
    download = request.args.get("download", "")
    if download == "withdrawals":
        return csv_export.stream(WithdrawalSchema, finance.iter_withdrawals, filename="withdrawals", bom=True,
                                 status=_status_filter())
    if download == "settlements":
        return csv_export.stream(SettlementSchema, distribution.iter_settlements, filename="settlements", bom=True)
    if download in PERIOD_DOWNLOADS:
        _shown, csv, refusal, _errors = _for_period(PERIOD_DOWNLOADS[download])
        if refusal is None:
            return csv
    return _finance_page()  # a period refused shows here, at the period's fields


def _status_filter() -> str | None:
    return request.args.get("status") if request.args.get("status") in STATUSES else None


def _kept() -> dict:
    """What the page was showing (the withdrawals' filter, the reports' period), kept through its forms."""
    kept = {"status": _status_filter(), "from": request.args.get("from"), "to": request.args.get("to")}
    return {key: value for key, value in kept.items() if value}


def _finance_page(errors=None, refusal=None, status=200, failed=None):
    wanted = _status_filter()
    with unit_of_work() as session:
        settlements = distribution.list_settlements(session, limit=SETTLEMENTS_SHOWN, starting_after=None).data
        running = [run for run in settlements if run.status != "completed"]
        due = distribution.due_count(session) if running else 0
        settlements_version = versions.settlements(session)
        withdrawals = finance.list_withdrawals(session, status=wanted, limit=LISTED,
                                               starting_after=request.args.get("starting_after"))
        withdrawal_versions = {found.id: versions.withdrawal_version(found) for found in withdrawals.data}
        waiting = finance.open_totals(session)
    period, reports, period_refusal, period_errors = _for_period(_built(_period_reports))
    if refusal is None and period_refusal is not None:
        refusal, status = period_refusal, period_refusal.status
    # A run's progress: the commissions it has settled, of those plus the ones still due.
    progress = {run.id: (run.commissions, max(run.commissions + due, 1)) for run in running}
    return render("console/finance/home.html", status, settlements=settlements, running=running, progress=progress,
                  settlements_version=settlements_version, withdrawals=withdrawals,
                  withdrawal_versions=withdrawal_versions, waiting=waiting, statuses=STATUSES, status=wanted,
                  kept=_kept(), period=period, period_errors=period_errors, reports_at="console.finance",
                  errors=errors or {}, refusal=refusal, failed=failed, **(reports or {}))


@bp.route("/finance/settlements", methods=["POST"])
@page("finance")
def run_settlement():
    def write() -> str:
        with unit_of_work() as session:
            stale.check(versions.settlements(session, lock=True))
            distribution.request_settlement(session)  # its batches run in the background, as the API's do
        return done("console.finance", "settlement_started", **_kept())

    return submitted(write, again=_finance_page)


def _withdrawal_action(withdrawal_id: str, action: str, move) -> object:
    """Run one of a withdrawal's moves under its version check; refusals show at its row."""
    def write() -> str:
        form = FormReader()
        with unit_of_work() as session:
            stale.check(versions.withdrawal(session, withdrawal_id=withdrawal_id, lock=True))
            notice = move(session, form)
        return done("console.finance", notice, **_kept())

    return submitted(write, again=lambda **kw: _finance_page(failed=(withdrawal_id, action), **kw))


def _actor() -> str:
    return g.console.principal.key_id


@bp.route("/finance/withdrawals/<withdrawal_id>/approve", methods=["POST"])
@page("finance")
def approve_withdrawal(withdrawal_id):
    def move(session, form) -> str:
        finance.approve(session, withdrawal_id=withdrawal_id, actor=_actor())
        return "withdrawal_approved"

    return _withdrawal_action(withdrawal_id, "approve-withdrawal", move)


@bp.route("/finance/withdrawals/<withdrawal_id>/reject", methods=["POST"])
@page("finance")
def reject_withdrawal(withdrawal_id):
    def move(session, form) -> str:
        data = form.load(RejectSchema(), {"reason": form.text("reason")} if form.has("reason") else {})
        finance.reject(session, withdrawal_id=withdrawal_id, actor=_actor(), **data)
        return "withdrawal_rejected"

    return _withdrawal_action(withdrawal_id, "reject-withdrawal", move)


@bp.route("/finance/withdrawals/<withdrawal_id>/mark-paid", methods=["POST"])
@page("finance")
def mark_withdrawal_paid(withdrawal_id):
    def move(session, form) -> str:
        data = form.load(MarkPaidSchema(), {"reference": form.text("reference")} if form.has("reference") else {})
        finance.mark_paid(session, withdrawal_id=withdrawal_id, actor=_actor(), **data)
        return "withdrawal_paid"

    return _withdrawal_action(withdrawal_id, "mark-paid", move)


@bp.route("/finance/withdrawals/<withdrawal_id>/retry-payout", methods=["POST"])
@page("finance")
def retry_withdrawal_payout(withdrawal_id):
    def move(session, form) -> str:
        finance.retry_payout(session, withdrawal_id=withdrawal_id)
        return "payout_retried"

    return _withdrawal_action(withdrawal_id, "retry-payout", move)


# --- reports of a period ------------------------------------------------------------------------------------

def _period() -> tuple[dict, dict]:
    """The period asked for (`from`, `to` as the API's reports take them), this month by default; and what the
    form shows. FormErrors for a malformed date."""
    calendar = Calendar.of(timezone=g.console.timezone, currency=g.console.currency)
    first = calendar.today.replace(day=1)
    following = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    shown = {"from": request.args.get("from", first.isoformat()).strip(),
             "to": request.args.get("to", following.isoformat()).strip()}
    try:
        loaded = PeriodArgsSchema().load({key: value for key, value in shown.items() if value})
    except ma.ValidationError as error:
        raise FormErrors(field_errors(error.messages)) from error
    return loaded, shown


def _for_period(work) -> tuple[dict, object, DomainError | None, dict]:
    """Do `work(period)` for the period asked for. Returns what the period's form shows, the work's result, and
    for a period refused (malformed, or ending before it starts: no result) the refusal and its field errors."""
    shown = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    try:
        period, shown = _period()
        return shown, work(period), None, {}
    except FormErrors as error:
        return shown, None, error, error.fields
    except DomainError as error:
        if error.status == 404:
            raise
        return shown, None, error, field_errors(error.errors or {})


def _built(build):
    """`build(session, period)` in its own unit of work, as a work of the period."""
    def work(period: dict) -> dict:
        with unit_of_work() as session:
            return build(session, period)

    return work


def _report_page(template: str, build, downloads: dict, **shown_with):
    """A report of a period: its CSV when `download` names one, else the page; a period the service refuses
    (malformed, or ending before it starts) shows the page with the refusal and its status."""
    download = downloads.get(request.args.get("download", ""))
    shown, result, refusal, errors = _for_period(download or _built(build))
    if refusal is not None:
        return render(template, refusal.status, period=shown, errors=errors, refusal=refusal,
                      reports_at=request.endpoint, **shown_with)
    if download is not None:
        return result
    return render(template, period=shown, errors={}, refusal=None, reports_at=request.endpoint, **shown_with,
                  **result)


def _one_row(schema, report_of, filename: str):
    """A CSV of a report that is one object: its figures in one row, as the API's CSV has them."""
    def download(period: dict):
        with unit_of_work() as session:
            report = report_of(session, **period)
        return csv_export.rows_of(schema, [report], filename=_named(filename, period), bom=True)

    return download


def _streamed(schema, rows_of, filename: str):
    """A CSV of a report's rows, streamed as the API's."""
    def download(period: dict):
        return csv_export.stream(schema, rows_of, filename=_named(filename, period), bom=True, **period)

    return download


def _named(filename: str, period: dict) -> str:
    return "-".join([filename, *(str(period[key]) for key in ("start", "end") if period.get(key))])


def _reconciliation_reports(session, period: dict) -> dict:
    return {"reconciliation": finance.reconciliation(session, **period),
            "commissions": finance.commissions_report(session, **period)}


def _trial_balance_report(session, period: dict) -> dict:
    return {"trial_balance": finance.trial_balance(session, **period)}


def _period_reports(session, period: dict) -> dict:
    """Every report of a period /console/finance shows."""
    return {**_reconciliation_reports(session, period), **_trial_balance_report(session, period)}


RECONCILIATION_DOWNLOADS = {
    "reconciliation": _one_row(ReconciliationSchema, finance.reconciliation, "reconciliation"),
    "commissions": _one_row(CommissionsReportSchema, finance.commissions_report, "commissions-report"),
    "discrepancies": _streamed(DiscrepancySchema, finance.iter_discrepancies, "discrepancies"),
}
TRIAL_BALANCE_DOWNLOADS = {
    "trial-balance": _streamed(TrialBalanceRowSchema, finance.iter_trial_balance, "trial-balance"),
}
PERIOD_DOWNLOADS = {**RECONCILIATION_DOWNLOADS, **TRIAL_BALANCE_DOWNLOADS}


@bp.route("/finance/reconciliation")
@page("finance")
def reconciliation():
    return _report_page("console/finance/reconciliation.html", _reconciliation_reports, RECONCILIATION_DOWNLOADS)


@bp.route("/finance/trial-balance")
@page("finance")
def trial_balance():
    return _report_page("console/finance/trial_balance.html", _trial_balance_report, TRIAL_BALANCE_DOWNLOADS)


@bp.route("/finance/statements/<distributor_id>")
@page("finance")
def statement(distributor_id):
    def build(session, period: dict) -> dict:
        return {"report": finance.statement(session, distributor_id=distributor_id, **period)}

    return _report_page("console/finance/statement.html", build, {
        "statement": lambda period: csv_export.stream(
            StatementRowSchema, finance.iter_statement, filename=_named(f"statement-{distributor_id}", period),
            bom=True, distributor_id=distributor_id, **period),
    }, distributor_id=distributor_id)
