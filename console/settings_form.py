"""Every registered settings section as a form, described from its own marshmallow schema.

A field is named `<section>-<key>` (a nested one `<section>-<key>-<sub>`) and drawn by its type: integers
and decimals as text with a numeric keyboard, booleans as checkboxes, one-of strings as selects, lists of
integers as comma-separated text, secrets as password fields that stay unchanged when left blank. Money
(minor units in the API) is shown and typed in yuan: a field says so with `metadata={"money": True}`, and
the first wave's money settings are listed in MONEY below. A section registered later needs nothing here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

import marshmallow as ma
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from console import formatting
from console.forms import FormReader

MONEY = {("loyalty", "earn_min_order_amount"), ("loyalty", "point_value")}

TITLES = {"auth": _l("Sign-in"), "wechat": _l("WeChat mini-program"), "orders": _l("Orders"),
          "payments": _l("Payments"), "loyalty": _l("Points")}
LABELS = {
    "auth-dev_login_enabled": _l("Allow development sign-in (dev openids)"),
    "wechat-app_id": _l("App ID"), "wechat-app_secret": _l("App secret"),
    "orders-unpaid_timeout_minutes": _l("Cancel unpaid orders after (minutes)"),
    "orders-after_sales_days": _l("After-sales window (days after completion)"),
    "orders-auto_complete_days": _l("Complete shipped orders automatically after (days)"),
    "payments-stripe_secret_key": _l("Stripe secret key"),
    "payments-stripe_webhook_secret": _l("Stripe webhook secret"),
    "payments-offline_self_confirm": _l("Customers may confirm their own offline payments (demo only)"),
    "loyalty-points_per_currency_unit": _l("Points earned per yuan paid"),
    "loyalty-earn_min_order_amount": _l("Minimum order to earn points (yuan)"),
    "loyalty-points_pending_days": _l("Days before earned points can be spent"),
    "loyalty-points_expiry-mode": _l("Points expire"), "loyalty-points_expiry-days": _l("Expire after (days)"),
    "loyalty-point_value": _l("Value of one point (yuan)"),
    "loyalty-max_points_ratio": _l("Share of an order points may pay (0 to 1)"),
    "loyalty-sign_in_points": _l("Daily sign-in points, day by day (comma-separated)"),
}
CHOICES = {"days": _l("After a number of days"), "month_end": _l("At the end of the month"),
           "year_end": _l("At the end of the year"), "never": _l("Never")}

# Sections of the second wave: their titles and words (a section without any still shows, in its keys' words).
TITLES.update({"distribution": _l("Distribution and withdrawals"), "referrals": _l("Referrals"),
               "vouchers": _l("Vouchers"), "lifecycle": _l("Customer lifecycle"), "campaigns": _l("Campaigns")})
LABELS.update({
    "distribution-enabled": _l("Distribution is on"),
    "distribution-who": _l("Who may become a distributor"),
    "distribution-spend_threshold": _l("Spend needed to become a distributor (yuan)"),
    "distribution-binding": _l("Which distributor a buyer belongs to"),
    "distribution-binding_days": _l("A buyer stays bound for (days; blank for ever)"),
    "distribution-levels": _l("Commission levels (1 or 2)"),
    "distribution-level1_rate": _l("Level 1 commission rate (0 to 1)"),
    "distribution-level2_rate": _l("Level 2 commission rate (0 to 1)"),
    "distribution-self_purchase": _l("Distributors earn on their own orders"),
    "distribution-min_withdrawal": _l("Smallest withdrawal (yuan)"),
    "distribution-withdrawal_fee_rate": _l("Withdrawal fee rate (0 to 1)"),
    "distribution-payout_method": _l("How withdrawals are paid"),
    "referrals-enabled": _l("Referrals are on"),
    "referrals-inviter_points": _l("Points for the inviter"),
    "referrals-invitee_points": _l("Points for the invited friend"),
    "referrals-inviter_coupon_template_id": _l("Coupon template for the inviter (cpt_…; blank for none)"),
    "referrals-invitee_coupon_template_id": _l("Coupon template for the invited friend (cpt_…; blank for none)"),
    "referrals-qualify_on": _l("A referral counts when the friend's first order is"),
    "referrals-inviter_daily_cap": _l("Rewarded referrals per inviter per day (blank for no cap)"),
    "vouchers-reverse_window_minutes": _l("Staff may reverse a store redemption within (minutes; 0 never)"),
    "vouchers-max_failed_lookups": _l("Unknown codes allowed per 10 minutes before lookups are refused"),
    "lifecycle-dormant_days": _l("Dormant after (days without a paid order)"),
    "lifecycle-churned_days": _l("Churned after (days without a paid order)"),
    "lifecycle-loyal_orders": _l("Loyal from (paid orders)"),
    "lifecycle-loyal_window_days": _l("Loyal orders are counted over (days)"),
    "campaigns-max_grants_per_customer": _l("Campaign grants a customer may receive"),
    "campaigns-cap_days": _l("Grants are counted over (days)"),
})
CHOICES.update({"everyone": _l("Every customer"), "approved": _l("Customers the shop approves"),
                "spend_threshold": _l("Customers who spent enough"), "first_touch": _l("The first who invited them"),
                "last_touch": _l("The last who invited them"), "manual": _l("By hand (bank transfer)"),
                "stripe_connect": _l("Stripe Connect"), "first_order_paid": _l("Paid"),
                "first_order_final": _l("Final (its after-sales window closed)")})


@dataclass
class SettingField:
    name: str  # the form field: <section>-<key>[-<sub>]
    path: tuple[str, ...]  # where it sits in the section's document
    kind: str  # integer | decimal | money | boolean | text | secret | choice | integers
    label: str
    value: str = ""
    checked: bool = False
    is_set: bool = False  # a secret that has a value
    choices: list[tuple[str, str]] = field(default_factory=list)
    optional: bool = False


def _kind(section: str, path: tuple[str, ...], declared: ma.fields.Field) -> str:
    if declared.metadata.get("write_only"):
        return "secret"
    if isinstance(declared, ma.fields.Boolean):
        return "boolean"
    if isinstance(declared, ma.fields.Integer):
        return "money" if declared.metadata.get("money") or (section, *path) in MONEY else "integer"
    if isinstance(declared, ma.fields.Decimal | ma.fields.Float):
        return "decimal"
    if isinstance(declared, ma.fields.List):
        return "integers"
    if _one_of(declared):
        return "choice"
    return "text"


def _one_of(declared: ma.fields.Field) -> list[str] | None:
    validators = declared.validators if hasattr(declared, "validators") else []
    for validator in validators:
        if isinstance(validator, ma.validate.OneOf):
            return list(validator.choices)
    return None


def _label(name: str, path: tuple[str, ...]) -> str:
    return str(LABELS.get(name, path[-1].replace("_", " ").capitalize()))


def describe(section: str, schema: type[ma.Schema], shown: dict, *, currency: str) -> list[SettingField]:
    """The fields of a section, with the values `settings.get_all` shows for it."""
    return list(_fields(section, schema(), shown, (), currency))


def _fields(section: str, schema: ma.Schema, shown: dict, prefix: tuple[str, ...], currency: str):
    for key, declared in schema.fields.items():
        path = (*prefix, key)
        name = "-".join((section, *path))
        if isinstance(declared, ma.fields.Nested):
            yield from _fields(section, declared.schema, shown.get(key) or {}, path, currency)
            continue
        kind = _kind(section, path, declared)
        value = shown.get(key)
        item = SettingField(name, path, kind, _label(name, path), optional=declared.allow_none)
        if kind == "boolean":
            item.checked = bool(value)
        elif kind == "secret":
            item.is_set = bool(shown.get(f"{key}_set"))
        elif kind == "money":
            item.value = "" if value is None else formatting.major_units(value, currency)
        elif kind == "integers":
            item.value = ", ".join(str(number) for number in value or [])
        else:
            item.value = "" if value is None else str(value)
        if kind == "choice":
            item.choices = [(choice, str(CHOICES.get(choice, choice))) for choice in _one_of(declared)]
        yield item


def read(fields: list[SettingField], form: FormReader) -> dict:
    """The section's document as the API's PATCH would carry it; blank secrets stay as they are."""
    document: dict = {}
    for item in fields:
        value = _read_one(item, form)
        if value is _UNCHANGED:
            continue
        target = document
        for key in item.path[:-1]:
            target = target.setdefault(key, {})
        target[item.path[-1]] = value
    return document


_UNCHANGED = object()


def _read_one(item: SettingField, form: FormReader):
    if item.kind == "boolean":
        return form.flag(item.name)
    if item.kind == "secret":
        return form.text(item.name) or _UNCHANGED
    if not form.has(item.name):
        if item.optional:
            return None
        form.require(item.name)
        return _UNCHANGED
    if item.kind == "integer":
        return form.integer(item.name)
    if item.kind == "money":
        return form.money(item.name)
    if item.kind == "decimal":
        text = form.text(item.name)
        try:
            Decimal(text)
        except ArithmeticError:
            form.errors.setdefault(item.name, []).append(_("Enter a number."))
            return _UNCHANGED
        return text
    if item.kind == "integers":
        try:
            return [int(part) for part in re.split(r"[\s,，、]+", form.text(item.name)) if part]
        except ValueError:
            form.errors.setdefault(item.name, []).append(_("Whole numbers separated by commas."))
            return _UNCHANGED
    return form.text(item.name)
