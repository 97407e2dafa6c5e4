"""The counter screen (核销台): staff scan or type a code and press Enter to redeem it; they may look a code up
first, and take back a store redemption while its window is open. A refusal is said in words a cashier can
repeat to the customer, with the API's reason and status.

The code field is empty and focused on every answer, so a barcode scanner (which types the code and presses
Enter) can go on to the next customer without anyone touching the screen.
"""

from __future__ import annotations

from flask import redirect, request

from console.forms import FormErrors, FormReader
from console.web import bp, done, page, render
from core import clock
from core.db import unit_of_work
from core.errors import DomainError
from loyalty.vouchers import service as vouchers
from loyalty.vouchers.schemas import CodeSchema
from tenants.auth import current_principal


@bp.route("/verify")
@page("verify")
def verify():
    return _counter(voucher_id=request.args.get("voucher"))


def _counter(*, voucher_id: str | None = None, looked_up: bool = False, refusal=None, tried: str | None = None,
             errors=None, status: int = 200, headers: dict | None = None):
    """The counter screen, with the voucher just verified, reversed or looked up (if any) and its reversal
    deadline, or the refusal of the code just tried."""
    with unit_of_work() as session:
        voucher = None
        if voucher_id:
            try:
                voucher = vouchers.get_voucher(session, voucher_id=voucher_id)
            except DomainError:
                voucher = None  # a stale link (another shop's voucher) shows an empty counter
        deadline = vouchers.reverse_deadline(session, voucher=voucher) if voucher is not None else None
        response = render("console/verify.html", status, voucher=voucher, now=clock.now(), reverse_until=deadline,
                          refusal=refusal, tried=tried, errors=errors or {}, looked_up=looked_up)
    response.headers.update(headers or {})
    return response


def _code() -> str:
    form = FormReader()
    return form.load(CodeSchema(), {"code": form.text("code", blank_as_none=False)})["code"]


def _refused(error: DomainError, tried: str | None, voucher_id: str | None = None):
    errors = error.fields if isinstance(error, FormErrors) else {}
    return _counter(voucher_id=voucher_id, refusal=error, tried=tried, errors=errors, status=error.status,
                    headers=error.headers())


@bp.route("/verify", methods=["POST"])
@page("verify")
def verify_code():
    tried = request.form.get("code", "").strip()[:100]
    principal = current_principal()
    try:
        code = _code()
        with unit_of_work() as session:
            voucher = vouchers.verify(session, code=code, location=None, credential=principal.id,
                                      key_id=principal.key_id)
            voucher_id = voucher.id
    except DomainError as error:
        return _refused(error, tried)
    return redirect(done("console.verify", "verified", voucher=voucher_id), 303)


@bp.route("/verify/lookup", methods=["POST"])
@page("verify")
def lookup_code():
    tried = request.form.get("code", "").strip()[:100]
    try:
        code = _code()
        with unit_of_work() as session:
            voucher_id = vouchers.lookup(session, code=code, credential=current_principal().id).id
    except DomainError as error:
        return _refused(error, tried)
    return _counter(voucher_id=voucher_id, looked_up=True, tried=tried)


@bp.route("/verify/<voucher_id>/reverse", methods=["POST"])
@page("verify")
def reverse_redemption(voucher_id):
    try:
        with unit_of_work() as session:
            vouchers.reverse(session, voucher_id=voucher_id)
    except DomainError as error:
        if error.status == 404:
            raise
        return _refused(error, None, voucher_id=voucher_id)
    return redirect(done("console.verify", "reversed", voucher=voucher_id), 303)

