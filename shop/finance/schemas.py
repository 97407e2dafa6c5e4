import marshmallow as ma

from core.api import PageArgsSchema, Schema, page_schema
from core.periods import PeriodArgsSchema  # noqa: F401 - the finance views' period, as every report's
from shop.finance.models import METHODS, STATUSES
from shop.finance.rules import STRIPE_ACCOUNT

_AMOUNT = {"strict": True, "validate": ma.validate.Range(min=1, max=10**12)}
# Account names are words joined by colons (`distributor:dst_…:available`).
_ACCOUNT_NAME = ma.validate.Regexp(r"^[A-Za-z0-9_]+(:[A-Za-z0-9_]+)*$",
                                   error="An account name, like commissions:expense.")


class PayoutAccountInSchema(Schema):
    stripe_account_id = ma.fields.String(required=True, validate=ma.validate.Regexp(
        STRIPE_ACCOUNT, error="A Stripe connected account id, acct_…"), metadata={"example": "acct_1Nv0FGQ9RKHgCVdK"})


class PayoutAccountSchema(Schema):
    distributor_id = ma.fields.String()
    stripe_account_id = ma.fields.String()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class WithdrawalRequestSchema(Schema):
    amount = ma.fields.Integer(required=True, metadata={"description": "Gross, minor units"}, **_AMOUNT)


class MyWithdrawalSchema(Schema):
    id = ma.fields.String()
    amount = ma.fields.Integer(metadata={"description": "Gross: what left the available balance"})
    fee = ma.fields.Integer(metadata={"description": "round_half_up(amount x withdrawal_fee_rate)"})
    net_amount = ma.fields.Integer(metadata={"description": "amount - fee: what is paid out"})
    currency = ma.fields.String()
    method = ma.fields.String(metadata={"enum": list(METHODS)})
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    destination = ma.fields.String(allow_none=True, metadata={"description": "The connected account (stripe_connect)"})
    reference = ma.fields.String(allow_none=True, metadata={"description": "The manual payout's reference"})
    transfer_id = ma.fields.String(allow_none=True, metadata={"description": "The Stripe transfer that paid it"})
    rejection_reason = ma.fields.String(allow_none=True)
    failure_message = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    approved_at = ma.fields.DateTime(allow_none=True)
    paid_at = ma.fields.DateTime(allow_none=True)
    rejected_at = ma.fields.DateTime(allow_none=True)
    failed_at = ma.fields.DateTime(allow_none=True)


class WithdrawalSchema(MyWithdrawalSchema):
    distributor_id = ma.fields.String()
    fee_rate = ma.fields.String(metadata={"description": "The withdrawal_fee_rate in force when it was requested"})
    approved_by = ma.fields.String(allow_none=True, metadata={"description": "The API key that approved it"})
    rejected_by = ma.fields.String(allow_none=True)
    paid_by = ma.fields.String(allow_none=True, metadata={"description": "The key that marked a manual payout paid"})


class MyWithdrawalArgsSchema(PageArgsSchema):
    status = ma.fields.String(load_default=None, validate=ma.validate.OneOf(STATUSES))


class WithdrawalArgsSchema(MyWithdrawalArgsSchema):
    distributor_id = ma.fields.String(load_default=None, validate=ma.validate.Length(max=64))


class RejectSchema(Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=500))


class MarkPaidSchema(Schema):
    reference = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200),
                                 metadata={"description": "The bank's (or payment app's) reference of the payout"})


class LedgerAccountSchema(Schema):
    account = ma.fields.String()
    balance = ma.fields.Integer(metadata={"description": "Debit-positive: what a distributor is owed is negative"})
    currency = ma.fields.String()


class AccountArgsSchema(Schema):
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))
    starting_after = ma.fields.String(load_default=None, validate=_ACCOUNT_NAME,
                                      metadata={"description": "The last account name of the previous page"})
    prefix = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=120),
                              metadata={"description": "Only accounts whose name starts so (distributor:dst_…)"})
    currency = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^[A-Z]{3}$"))


class LedgerEntrySchema(Schema):
    id = ma.fields.String()
    transaction_id = ma.fields.String()
    kind = ma.fields.String(metadata={"description": "commission.accrual, withdrawal.payout, …"})
    key = ma.fields.String(metadata={"description": "The effect it records, once (`withdrawal:{id}:payout`)"})
    reference = ma.fields.String(allow_none=True, metadata={"description": "The order, settlement or withdrawal"})
    account = ma.fields.String()
    amount = ma.fields.Integer(metadata={"description": "Debit positive, credit negative"})
    currency = ma.fields.String()
    created_at = ma.fields.DateTime()


class EntryArgsSchema(PageArgsSchema, PeriodArgsSchema):
    account = ma.fields.String(load_default=None, validate=_ACCOUNT_NAME)
    reference = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=80))
    transaction_id = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=64))


class TrialBalanceArgsSchema(PeriodArgsSchema):
    currency = ma.fields.String(load_default=None, validate=ma.validate.Regexp(r"^[A-Z]{3}$"),
                                metadata={"description": "The tenant's currency unless given"})


class TrialBalanceLineSchema(Schema):
    account = ma.fields.String(metadata={"description": "commissions:expense, or distributors:<bucket> (all of them)"})
    type = ma.fields.String(metadata={"enum": ["expense", "liability", "cash", "fee_income", "other", "total"]})
    description = ma.fields.String()
    opening = ma.fields.Integer(metadata={"description": "Balance before `from` (debit-positive)"})
    debit = ma.fields.Integer(metadata={"description": "Debits within the period"})
    credit = ma.fields.Integer(metadata={"description": "Credits within the period"})
    balance = ma.fields.Integer(metadata={"description": "Balance at `to`: opening + debit - credit"})


class TrialBalanceSchema(Schema):
    currency = ma.fields.String()
    start = ma.fields.DateTime(data_key="from", allow_none=True)
    end = ma.fields.DateTime(data_key="to", allow_none=True)
    accounts = ma.fields.List(ma.fields.Nested(TrialBalanceLineSchema))
    total = ma.fields.Integer(metadata={"description": "The balances' sum: always 0"})
    debits = ma.fields.Integer()
    credits = ma.fields.Integer()


class TrialBalanceRowSchema(TrialBalanceLineSchema):
    currency = ma.fields.String()


class StatementBalancesSchema(Schema):
    frozen = ma.fields.Integer()
    available = ma.fields.Integer()
    withdrawing = ma.fields.Integer(metadata={"description": "Requested, not yet paid (gross)"})


class StatementLineSchema(Schema):
    at = ma.fields.DateTime()
    kind = ma.fields.String(metadata={"description": "The ledger transaction's kind (commission.accrual, …)"})
    bucket = ma.fields.String(metadata={"enum": ["frozen", "available", "withdrawing"]})
    amount = ma.fields.Integer(metadata={"description": "What the bucket gained (negative: lost)"})
    order_id = ma.fields.String(allow_none=True)
    withdrawal_id = ma.fields.String(allow_none=True)
    settlement_id = ma.fields.String(allow_none=True)
    transaction_id = ma.fields.String()


class StatementSchema(Schema):
    distributor_id = ma.fields.String()
    currency = ma.fields.String()
    start = ma.fields.DateTime(data_key="from", allow_none=True)
    end = ma.fields.DateTime(data_key="to", allow_none=True)
    opening = ma.fields.Nested(StatementBalancesSchema)
    closing = ma.fields.Nested(StatementBalancesSchema)
    lines = ma.fields.List(ma.fields.Nested(StatementLineSchema), metadata={
        "description": "They add up to closing - opening (per bucket, and in all); a payout's line takes its gross "
                       "out of withdrawing"})


class StatementRowSchema(Schema):
    """One statement line as a CSV row, with its statement's head and the bucket's balance after it."""

    distributor_id = ma.fields.String()
    currency = ma.fields.String()
    start = ma.fields.DateTime(data_key="from", allow_none=True)
    end = ma.fields.DateTime(data_key="to", allow_none=True)
    opening = ma.fields.Nested(StatementBalancesSchema)
    closing = ma.fields.Nested(StatementBalancesSchema)
    at = ma.fields.DateTime()
    kind = ma.fields.String()
    bucket = ma.fields.String()
    amount = ma.fields.Integer()
    balance = ma.fields.Integer()
    order_id = ma.fields.String(allow_none=True)
    withdrawal_id = ma.fields.String(allow_none=True)
    settlement_id = ma.fields.String(allow_none=True)
    transaction_id = ma.fields.String()


class CommissionsReportSchema(Schema):
    currency = ma.fields.String()
    start = ma.fields.DateTime(data_key="from", allow_none=True)
    end = ma.fields.DateTime(data_key="to", allow_none=True)
    accrued = ma.fields.Integer(metadata={"description": "Recorded on paid orders in the period"})
    clawed_back = ma.fields.Integer(metadata={"description": "What refunds took off commissions"})
    cancelled = ma.fields.Integer(metadata={"description": "What was left of commissions when they were cancelled"})
    settled = ma.fields.Integer()
    requested = ma.fields.Integer(metadata={"description": "Asked for in withdrawals (gross)"})
    returned = ma.fields.Integer(metadata={"description": "Back to available: rejected and failed withdrawals"})
    withdrawn = ma.fields.Integer(metadata={"description": "Paid out, gross"})
    paid = ma.fields.Integer(metadata={"description": "Paid out, net of fees"})
    fees = ma.fields.Integer()
    frozen = ma.fields.Integer(metadata={"description": "At the period's end"})
    available = ma.fields.Integer(metadata={"description": "At the period's end"})
    withdrawing = ma.fields.Integer(metadata={"description": "At the period's end (gross)"})


class DiscrepancySchema(Schema):
    kind = ma.fields.String(metadata={"description": "ledger_unbalanced, commission_exceeds_rate, payout_mismatch, …"})
    message = ma.fields.String()
    distributor_id = ma.fields.String(allow_none=True)
    order_id = ma.fields.String(allow_none=True)
    line_id = ma.fields.String(allow_none=True)
    commission_id = ma.fields.String(allow_none=True)
    settlement_id = ma.fields.String(allow_none=True)
    withdrawal_id = ma.fields.String(allow_none=True)
    transaction_id = ma.fields.String(allow_none=True)
    transfer_id = ma.fields.String(allow_none=True)
    account = ma.fields.String(allow_none=True)
    currency = ma.fields.String(allow_none=True)
    expected = ma.fields.Integer(allow_none=True)
    actual = ma.fields.Integer(allow_none=True)


class DiscrepancyArgsSchema(PeriodArgsSchema):
    limit = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))


def _figures(name: str, fields: dict) -> type[ma.Schema]:
    return Schema.from_dict({key: ma.fields.Integer(metadata={"description": text}) for key, text in fields.items()},
                            name=name)


class ReconciliationSchema(Schema):
    currency = ma.fields.String()
    start = ma.fields.DateTime(data_key="from", allow_none=True)
    end = ma.fields.DateTime(data_key="to", allow_none=True)
    orders = ma.fields.Nested(_figures("ReconciliationOrders", {
        "paid": "Paid in the period (order totals)", "paid_count": "", "refunded": "Refunds succeeded in the period",
        "refunded_count": "", "net": "paid - refunded"}))
    commissions = ma.fields.Nested(_figures("ReconciliationCommissions", {
        "accrued": "", "clawed_back": "", "cancelled": "", "settled": "", "net": "accrued - clawed_back - cancelled"}))
    settlements = ma.fields.Nested(_figures("ReconciliationSettlements", {
        "runs": "Runs completed in the period", "commissions": "", "amount": "Should equal commissions.settled"}))
    withdrawals = ma.fields.Nested(_figures("ReconciliationWithdrawals", {
        "requested": "Gross, asked for in the period", "requested_count": "", "rejected": "", "failed": "",
        "paid": "Gross", "paid_count": "", "net_paid": "", "fees": "", "withdrawing": "Open at the period's end"}))
    payouts = ma.fields.Nested(_figures("ReconciliationPayouts", {
        "manual": "Net paid by hand", "stripe_connect": "Net paid by Stripe transfers", "transfers": "How many",
        "transferred": "What the transfers moved, less reversals: should equal stripe_connect"}))
    ledger = ma.fields.Nested(Schema.from_dict({
        "balanced": ma.fields.Boolean(metadata={"description": "Every currency sums to 0"}),
        **{key: ma.fields.Integer() for key in ("total", "requested", "returned", "withdrawn", "paid", "fees",
                                                "frozen", "available", "withdrawing")}}, name="ReconciliationLedger"))
    discrepancies = ma.fields.List(ma.fields.Nested(DiscrepancySchema),
                                   metadata={"description": "None for a healthy tenant; in CSV, how many"})


LedgerAccountPageSchema = page_schema(LedgerAccountSchema)
LedgerEntryPageSchema = page_schema(LedgerEntrySchema)
WithdrawalPageSchema = page_schema(WithdrawalSchema)
MyWithdrawalPageSchema = page_schema(MyWithdrawalSchema)
DiscrepancyPageSchema = page_schema(DiscrepancySchema)
