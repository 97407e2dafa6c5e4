"""Finance over HTTP: the distributor's payout account and withdrawals (consumers), and for finance and admin keys
the withdrawals' moves, the ledger, statements, reports and the reconciliation, each report and list also as
`text/csv` when `Accept` asks for it (core/csv_export.py)."""

from flask.views import MethodView

from core.api import Blueprint
from core.csv_export import csv_export
from core.db import unit_of_work
from core.idempotency import idempotent
from shop.finance import service
from shop.finance.schemas import (
    AccountArgsSchema,
    CommissionsReportSchema,
    DiscrepancyArgsSchema,
    DiscrepancyPageSchema,
    DiscrepancySchema,
    EntryArgsSchema,
    LedgerAccountPageSchema,
    LedgerAccountSchema,
    LedgerEntryPageSchema,
    LedgerEntrySchema,
    MarkPaidSchema,
    MyWithdrawalArgsSchema,
    MyWithdrawalPageSchema,
    MyWithdrawalSchema,
    PayoutAccountInSchema,
    PayoutAccountSchema,
    PeriodArgsSchema,
    ReconciliationSchema,
    RejectSchema,
    StatementRowSchema,
    StatementSchema,
    TrialBalanceArgsSchema,
    TrialBalanceRowSchema,
    TrialBalanceSchema,
    WithdrawalArgsSchema,
    WithdrawalPageSchema,
    WithdrawalRequestSchema,
    WithdrawalSchema,
)
from tenants.auth import consumer, current_customer_id, current_principal, secret_key

storefront = Blueprint("finance_storefront", __name__, url_prefix="/v1/storefront",
                       description="Withdrawals and the payout account (distributors)")
finance = Blueprint("finance", __name__, url_prefix="/v1/finance",
                    description="Withdrawals, payouts, the ledger, statements, reports and reconciliation (finance)")

_NO_ACCOUNT = "not_found: the consumer has no distributor account"


@storefront.route("/distributor/payout-account")
class MyPayoutAccount(MethodView):
    @consumer
    @storefront.arguments(PayoutAccountInSchema)
    @storefront.response(200, PayoutAccountSchema)
    def put(self, data):
        """Register the Stripe connected account (`acct_…`, checked for form) that Stripe Connect payouts go to;
        withdrawals requested from now on are paid there."""
        with unit_of_work() as session:
            return service.set_payout_account(session, customer_id=current_customer_id(), **data)

    @consumer
    @storefront.response(200, PayoutAccountSchema)
    @storefront.alt_response(404, description=f"{_NO_ACCOUNT}, or no payout account is registered")
    def get(self):
        """The registered payout account."""
        with unit_of_work() as session:
            return service.my_payout_account(session, customer_id=current_customer_id())


@storefront.route("/distributor/withdrawals")
class MyWithdrawals(MethodView):
    @idempotent
    @consumer
    @storefront.arguments(WithdrawalRequestSchema)
    @storefront.response(201, MyWithdrawalSchema)
    @storefront.alt_response(409, description="below_minimum_withdrawal, insufficient_balance, payout_account_missing")
    def post(self, data):
        """Withdraw part of the available balance: it leaves `available` at once; fee = round_half_up(amount x
        withdrawal_fee_rate), net_amount = amount - fee."""
        with unit_of_work() as session:
            return service.request_withdrawal(session, customer_id=current_customer_id(), **data)

    @consumer
    @storefront.arguments(MyWithdrawalArgsSchema, location="query")
    @storefront.response(200, MyWithdrawalPageSchema)
    @storefront.alt_response(404, description=_NO_ACCOUNT)
    def get(self, args):
        """The consumer's withdrawals, newest first."""
        with unit_of_work() as session:
            return service.my_withdrawals(session, customer_id=current_customer_id(), **args)


@finance.route("/withdrawals")
class Withdrawals(MethodView):
    @secret_key("finance")
    @finance.arguments(WithdrawalArgsSchema, location="query")
    @finance.response(200, WithdrawalPageSchema)
    @csv_export(WithdrawalSchema, rows=service.iter_withdrawals, filename="withdrawals")
    def get(self, args):
        """Withdrawals newest first, by status or distributor."""
        with unit_of_work() as session:
            return service.list_withdrawals(session, **args)


@finance.route("/withdrawals/<withdrawal_id>")
class WithdrawalDetail(MethodView):
    @secret_key("finance")
    @finance.response(200, WithdrawalSchema)
    def get(self, withdrawal_id):
        """One withdrawal, with who moved it and when."""
        with unit_of_work() as session:
            return service.get_withdrawal(session, withdrawal_id=withdrawal_id)


@finance.route("/withdrawals/<withdrawal_id>/approve")
class ApproveWithdrawal(MethodView):
    @idempotent
    @secret_key("finance")
    @finance.response(200, WithdrawalSchema)
    @finance.alt_response(409, description="invalid_state (not requested), payout_provider_not_configured")
    def post(self, withdrawal_id):
        """requested -> approved (manual) or processing (stripe_connect: a job transfers the net amount, then paid
        with its transfer_id, or failed with the amount back to available)."""
        with unit_of_work() as session:
            return service.approve(session, withdrawal_id=withdrawal_id, actor=current_principal().key_id)


@finance.route("/withdrawals/<withdrawal_id>/reject")
class RejectWithdrawal(MethodView):
    @idempotent
    @secret_key("finance")
    @finance.arguments(RejectSchema)
    @finance.response(200, WithdrawalSchema)
    @finance.alt_response(409, description="invalid_state (not requested, nor manual and approved)")
    def post(self, data, withdrawal_id):
        """-> rejected with a reason: the amount goes back to available."""
        with unit_of_work() as session:
            return service.reject(session, withdrawal_id=withdrawal_id, actor=current_principal().key_id, **data)


@finance.route("/withdrawals/<withdrawal_id>/mark-paid")
class MarkWithdrawalPaid(MethodView):
    @idempotent
    @secret_key("finance")
    @finance.arguments(MarkPaidSchema)
    @finance.response(200, WithdrawalSchema)
    @finance.alt_response(409, description="invalid_state (not a manual approved withdrawal)")
    def post(self, data, withdrawal_id):
        """A manual approved withdrawal -> paid: finance paid it by hand, with the payment's reference."""
        with unit_of_work() as session:
            return service.mark_paid(session, withdrawal_id=withdrawal_id, actor=current_principal().key_id, **data)


@finance.route("/withdrawals/<withdrawal_id>/retry-payout")
class RetryPayout(MethodView):
    @idempotent
    @secret_key("finance")
    @finance.response(200, WithdrawalSchema)
    @finance.alt_response(409, description="invalid_state (not a processing Stripe payout)")
    def post(self, withdrawal_id):
        """Try a Stripe payout still processing again (its job gave up on an unreachable Stripe); a transfer
        already made for it is found, never made twice."""
        with unit_of_work() as session:
            return service.retry_payout(session, withdrawal_id=withdrawal_id)


@finance.route("/ledger/accounts")
class LedgerAccounts(MethodView):
    @secret_key("finance")
    @finance.arguments(AccountArgsSchema, location="query")
    @finance.response(200, LedgerAccountPageSchema)
    @csv_export(LedgerAccountSchema, rows=service.iter_accounts, filename="ledger-accounts")
    def get(self, args):
        """Accounts by name, with their balances (debit-positive); `starting_after` is the last name seen."""
        with unit_of_work() as session:
            return service.list_accounts(session, **args)


@finance.route("/ledger/entries")
class LedgerEntries(MethodView):
    @secret_key("finance")
    @finance.arguments(EntryArgsSchema, location="query")
    @finance.response(200, LedgerEntryPageSchema)
    @csv_export(LedgerEntrySchema, rows=service.iter_entries, filename="ledger-entries")
    def get(self, args):
        """Entries newest first, of an account, a reference (order, settlement, withdrawal) or a transaction."""
        with unit_of_work() as session:
            return service.list_entries(session, **args)


@finance.route("/reports/trial-balance")
class TrialBalance(MethodView):
    @secret_key("finance")
    @finance.arguments(TrialBalanceArgsSchema, location="query")
    @finance.response(200, TrialBalanceSchema)
    @csv_export(TrialBalanceRowSchema, rows=service.iter_trial_balance, filename="trial-balance")
    def get(self, args):
        """Every account rolled into its line (expense, what distributors are owed, paid out as cash, fee income),
        with opening balance, the period's debits and credits, and closing balance; the total is always 0."""
        with unit_of_work() as session:
            return service.trial_balance(session, **args)


@finance.route("/statements/<distributor_id>")
class Statement(MethodView):
    @secret_key("finance")
    @finance.arguments(PeriodArgsSchema, location="query")
    @finance.response(200, StatementSchema)
    @csv_export(StatementRowSchema, rows=service.iter_statement, filename="statement")
    def get(self, args, distributor_id):
        """A distributor's opening and closing balances by bucket and every line between; per bucket the lines
        add up to closing - opening."""
        with unit_of_work() as session:
            return service.statement(session, distributor_id=distributor_id, **args)


@finance.route("/reports/commissions")
class CommissionsReport(MethodView):
    @secret_key("finance")
    @finance.arguments(PeriodArgsSchema, location="query")
    @finance.response(200, CommissionsReportSchema)
    @csv_export(CommissionsReportSchema, filename="commissions-report")
    def get(self, args):
        """Commission money in the period (accrued, clawed back, cancelled, settled, withdrawn, fees) and the
        balances at its end (frozen, available, withdrawing)."""
        with unit_of_work() as session:
            return service.commissions_report(session, **args)


@finance.route("/reports/reconciliation")
class Reconciliation(MethodView):
    @secret_key("finance")
    @finance.arguments(PeriodArgsSchema, location="query")
    @finance.response(200, ReconciliationSchema)
    @csv_export(ReconciliationSchema, filename="reconciliation")
    def get(self, args):
        """Orders paid and refunded -> commissions -> settlements -> withdrawals -> payouts, whether the ledger
        balances, and every discrepancy (none for a healthy tenant)."""
        with unit_of_work() as session:
            return service.reconciliation(session, **args)


@finance.route("/reports/reconciliation/discrepancies")
class Discrepancies(MethodView):
    @secret_key("finance")
    @finance.arguments(DiscrepancyArgsSchema, location="query")
    @finance.response(200, DiscrepancyPageSchema)
    @csv_export(DiscrepancySchema, rows=service.iter_discrepancies, filename="discrepancies")
    def get(self, args):
        """The reconciliation's discrepancies alone, one row each in CSV."""
        with unit_of_work() as session:
            return service.list_discrepancies(session, **args)
