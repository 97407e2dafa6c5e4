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
}

NOTICES = {
    "saved": _l("Saved."), "created": _l("Created."), "archived": _l("Archived: it is off the storefront."),
    "restored": _l("Back on sale."), "shipped": _l("Marked as shipped."), "completed": _l("Marked as completed."),
    "refunded": _l("Refund recorded."), "paid": _l("Payment confirmed: the order is paid."),
    "adjusted": _l("Points adjusted."),
}


def refusal_title(error: DomainError) -> str:
    return str(REASONS.get(error.reason, error.message))

# --- segments and campaigns ---
CAMPAIGN_STATUSES = {"draft": _l("Draft"), "running": _l("Granting"), "completed": _l("Completed")}
CAMPAIGN_ACTIONS = {"grant_coupon": _l("Grant a coupon"), "grant_points": _l("Grant points")}
NOTICES.update({"launched": _l("Launched: the grants are being made.")})
