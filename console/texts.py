"""Words the console shows for the API's machine names: roles, statuses, refusal reasons, notices.

A refusal shows its reason in words a clerk understands; a reason not listed here shows the service's
own message. Capabilities add their reasons and statuses here as their pages land.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.errors import DomainError

ROLES = {"admin": _l("Administrator"), "finance": _l("Finance"), "staff": _l("Store staff")}

ORDER_STATUSES = {
    "pending_payment": _l("Awaiting payment"), "paid": _l("Paid"), "shipped": _l("Shipped"),
    "completed": _l("Completed"), "cancelled": _l("Cancelled"), "partially_refunded": _l("Partly refunded"),
    "refunded": _l("Refunded"),
}
PAYMENT_STATUSES = {"pending": _l("Pending"), "succeeded": _l("Succeeded"), "canceled": _l("Voided")}
REFUND_STATUSES = {"pending": _l("In progress"), "succeeded": _l("Refunded"), "failed": _l("Failed")}
PROVIDERS = {"stripe": _l("Card (Stripe)"), "offline": _l("Offline")}
PRODUCT_STATUSES = {"active": _l("On sale"), "archived": _l("Archived")}
COUPON_STATUSES = {"available": _l("Available"), "locked": _l("In an unpaid order"), "used": _l("Used"),
                   "expired": _l("Expired"), "void": _l("Withdrawn")}
COUPON_KINDS = {"amount_off": _l("Amount off"), "percent_off": _l("Percent off")}
POINTS_KINDS = {"earn": _l("Earned"), "sign_in": _l("Daily sign-in"), "adjustment": _l("Adjustment"),
                "spend": _l("Spent on an order"), "release": _l("Returned (order cancelled)"),
                "return": _l("Returned (refund)"), "reversal": _l("Taken back (refund)"),
                "exchange": _l("Points mall"), "expire": _l("Expired")}

# --- vouchers, the counter, distributors, customers' additions ---
VOUCHER_STATUSES = {"available": _l("Available"), "issued": _l("With a customer"),
                    "locked": _l("In an unpaid order"), "redeemed": _l("Redeemed"), "expired": _l("Expired"),
                    "void": _l("Void")}
VOUCHER_CHANNELS = {"store": _l("In store"), "checkout": _l("At checkout"), "platform": _l("On the platform")}
VOUCHER_PLATFORMS = {"douyin": _l("Douyin"), "meituan": _l("Meituan"), "taobao": _l("Taobao"), "jd": _l("JD"),
                     "wechat_channels": _l("WeChat Channels"), "offline": _l("Our own (offline)"),
                     "custom": _l("Other platform")}
VOUCHER_DIRECTIONS = {"issue": _l("We hand them out"), "accept": _l("Sold elsewhere, redeemed here")}
POOL_STATUSES = {"active": _l("Active"), "archived": _l("Archived")}
IMPORT_STATUSES = {"queued": _l("Waiting to start"), "running": _l("Importing"), "completed": _l("Done"),
                   "failed": _l("Stopped")}
DISTRIBUTOR_STATUSES = {"pending": _l("Waiting for a decision"), "approved": _l("Approved"), "rejected": _l("Rejected"),
                        "suspended": _l("Suspended"), "none": _l("Earner (never applied)")}
DISTRIBUTOR_DECISIONS = {"approve": _l("Approve"), "reject": _l("Reject"), "suspend": _l("Suspend"),
                         "reinstate": _l("Reinstate")}
STAGES = {"prospect": _l("Prospect"), "new": _l("New"), "active": _l("Active"), "loyal": _l("Loyal"),
          "dormant": _l("Dormant"), "churned": _l("Churned")}
ANY = _l("Any")
REFERRAL_STATUSES = {"pending": _l("Not yet qualified"), "qualified": _l("Qualified"),
                     "capped": _l("Qualified (inviter over daily cap)")}

REASONS = {
    "unauthenticated": _l("That key does not open the console. Use a secret key (sk_…) that has not been revoked."),
    "forbidden": _l("Your role may not use this page."),
    "not_found": _l("There is nothing here, or it belongs to another shop."),
    "csrf_failed": _l("This form has expired or did not come from the console. Reload the page and try again."),
    "stale_form": _l("Someone changed this since you opened the page. The page now shows the change; "
                     "check it and try again."),
    "invalid_request": _l("Some fields need another look."),
    "invalid_state": _l("This cannot be done in the record's current state."),
    "refund_exceeds_paid": _l("That is more than what is left to refund."),
    "insufficient_points": _l("The customer does not have that many points to take away."),
    "tenant_suspended": _l("This shop is suspended."),
    "out_of_stock": _l("Not enough stock."),
    "payment_provider_error": _l("The payment provider did not answer; nothing was changed."),
    "internal_error": _l("Something went wrong on our side. Nothing was changed; try again."),
    # The counter: said so a cashier knows what to tell the customer.
    "voucher_not_found": _l("No voucher has this code. Check it with the customer and scan or type it again."),
    "voucher_already_redeemed": _l("This voucher has already been used. Do not accept it again."),
    "voucher_locked": _l("This voucher is held by an online order waiting for payment; it cannot be used now."),
    "voucher_expired": _l("This voucher has expired."),
    "voucher_not_yet_valid": _l("This voucher cannot be used yet: its validity has not started."),
    "voucher_void": _l("This voucher has been withdrawn by the shop and cannot be used."),
    "voucher_not_issued": _l("This code was never given to a customer, so it cannot be used."),
    "too_many_attempts": _l("Too many unknown codes in a row. Wait a few minutes, then try again."),
    "reverse_window_closed": _l("It is too late to undo this redemption."),
    "voucher_pool_archived": _l("This pool is archived: it takes no new codes."),
}

NOTICES = {
    "saved": _l("Saved."), "created": _l("Created."), "archived": _l("Archived: it is off the storefront."),
    "restored": _l("Back on sale."), "shipped": _l("Marked as shipped."), "completed": _l("Marked as completed."),
    "refunded": _l("Refund recorded."), "paid": _l("Payment confirmed: the order is paid."),
    "adjusted": _l("Points adjusted."),
    "generated": _l("Codes generated."), "import_started": _l("Import started: this page follows it."),
    "verified": _l("Redeemed."), "reversed": _l("Redemption undone: the voucher can be used again."),
    "approve": _l("Distributor approved."), "reject": _l("Application rejected."),
    "suspend": _l("Distributor suspended."), "reinstate": _l("Distributor reinstated."),
}


def refusal_title(error: DomainError) -> str:
    return str(REASONS.get(error.reason, error.message))

# --- group-buys and finance -----------------------------------------------------------------------------
GROUP_BUY_STATUSES = {"scheduled": _l("Scheduled"), "active": _l("Running"), "ended": _l("Ended")}
GROUP_STATUSES = {"pending": _l("Leader not paid yet"), "forming": _l("Forming"), "succeeded": _l("Succeeded"),
                  "failed": _l("Failed")}
GROUP_ROLES = {"leader": _l("Leader"), "member": _l("Member")}
WITHDRAWAL_STATUSES = {"requested": _l("Waiting for approval"), "approved": _l("Approved, to be paid"),
                       "processing": _l("Paying out"), "paid": _l("Paid"), "rejected": _l("Rejected"),
                       "failed": _l("Payout failed")}
WITHDRAWAL_METHODS = {"manual": _l("By hand"), "stripe_connect": _l("Stripe Connect")}
SETTLEMENT_STATUSES = {"queued": _l("Queued"), "running": _l("Running"), "completed": _l("Completed")}
SETTLEMENT_TRIGGERS = {"periodic": _l("Periodic"), "on_demand": _l("On demand")}
COMMISSION_STATUSES = {"frozen": _l("Frozen"), "settled": _l("Settled"), "cancelled": _l("Cancelled")}
COMMISSION_KINDS = {"sale": _l("Sale"), "group_leader": _l("Group leader")}
LEDGER_LINE_TYPES = {"expense": _l("Expense"), "liability": _l("Owed to distributors"), "cash": _l("Paid out"),
                     "fee_income": _l("Fee income"), "other": _l("Other"), "total": _l("Total")}

REASONS.update({
    "payout_provider_not_configured": _l("Stripe Connect is not set up for this shop, so this payout cannot "
                                         "start. Set it up in the settings, or pay by hand."),
    "below_minimum_withdrawal": _l("That is below the minimum withdrawal."),
    "insufficient_balance": _l("The distributor's available balance is not enough."),
    "group_buy_not_active": _l("This group-buy is not running."),
})

NOTICES.update({
    "ended": _l("Ended: groups still open are being resolved now."),
    "settlement_started": _l("Settlement started: the page follows it until it is done."),
    "withdrawal_approved": _l("Withdrawal approved."),
    "withdrawal_rejected": _l("Withdrawal rejected: the amount is back in the distributor's available balance."),
    "withdrawal_paid": _l("Marked as paid."),
    "payout_retried": _l("The payout is being tried again."),
})
# --- segments and campaigns ---
CAMPAIGN_STATUSES = {"draft": _l("Draft"), "running": _l("Granting"), "completed": _l("Completed")}
CAMPAIGN_ACTIONS = {"grant_coupon": _l("Grant a coupon"), "grant_points": _l("Grant points")}
NOTICES.update({"launched": _l("Launched: the grants are being made.")})
