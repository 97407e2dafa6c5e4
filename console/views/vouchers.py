"""Voucher pools: the list and a new pool (its callback secret shown once, at creation); one pool with its
codes by status, codes generated here, and a file of codes imported in the background, followed on the page."""

from __future__ import annotations

from flask import g, request
from flask_babel import gettext as _

from console import stale, texts, versions
from console.forms import FormErrors, FormReader, field_errors
from console.web import bp, done, page, render, submitted
from core import clock
from core.db import unit_of_work
from core.errors import DomainError
from loyalty.vouchers import service as vouchers
from loyalty.vouchers.models import DIRECTIONS, PLATFORMS, STATUSES
from loyalty.vouchers.schemas import GenerateSchema, PoolCreateSchema
from loyalty.vouchers.service.imports import MAX_FILE_BYTES

IMPORTS_SHOWN = 5


@bp.route("/vouchers", methods=["GET", "POST"], endpoint="vouchers")
@page("vouchers")
def vouchers_view():
    if request.method == "GET":
        return _pools_page()
    # Not `submitted`: a new pool's callback secret is shown only once, on the page that answers the form.
    try:
        pool_id, secret = _create_pool()
    except FormErrors as error:
        return _pools_page(errors=error.fields, refusal=error, status=422)
    except DomainError as error:
        return _pools_page(errors=field_errors(error.errors or {}), refusal=error, status=error.status)
    return _pool_page(pool_id, created_secret=secret)


def _pools_page(errors=None, refusal=None, status=200):
    with unit_of_work() as session:
        pools = vouchers.list_pools(session, limit=50, starting_after=request.args.get("starting_after"))
    return render("console/vouchers/list.html", status, pools=pools, errors=errors or {}, refusal=refusal,
                  platform_settings=_platform_settings_fields(),
                  platform_options=[(key, texts.VOUCHER_PLATFORMS[key]) for key in PLATFORMS],
                  direction_options=[(key, texts.VOUCHER_DIRECTIONS[key]) for key in DIRECTIONS])


def _platform_settings_fields() -> list[dict]:
    """The settings each platform's adapter takes (Douyin's open-platform credentials), as form fields named
    `platform_settings-<name>`: the adapter's schema decides which exist and which are secrets."""
    return [{"platform": platform, "label": texts.VOUCHER_PLATFORMS[platform], "fields": fields}
            for platform in PLATFORMS if (fields := vouchers.settings_fields(platform=platform))]


def _create_pool() -> tuple[str, str]:
    form = FormReader(currency=g.console.currency)
    timezone = g.console.timezone
    terms = {
        "name": form.text("name", blank_as_none=False),
        "platform": form.text("platform", blank_as_none=False),
        "direction": form.text("direction", blank_as_none=False),
        "face_value": form.money("face_value"),
        "description": form.text("description"),
        "valid_from": form.datetime("valid_from", timezone),
        "valid_until": form.datetime("valid_until", timezone),
    }
    # Only what was typed: a platform without settings refuses any (422 at the field), as the API does.
    typed = {field["name"]: form.text(f"platform_settings-{field['name']}")
             for group in _platform_settings_fields() for field in group["fields"]}
    if any(typed.values()):
        terms["platform_settings"] = {name: value for name, value in typed.items() if value is not None}
    # Datetimes go to the schema as the API receives them: ISO 8601 text with its offset.
    loaded = form.load(PoolCreateSchema(), {key: value.isoformat() if hasattr(value, "isoformat") else value
                                            for key, value in terms.items() if value is not None})
    with unit_of_work() as session:
        pool = vouchers.create_pool(session, **loaded)
        return pool.id, pool.callback_secret


@bp.route("/vouchers/<pool_id>")
@page("vouchers")
def voucher_pool(pool_id):
    return _pool_page(pool_id)


def _pool_page(pool_id: str, errors=None, refusal=None, status=200, created_secret=None):
    code_status = request.args.get("status") if request.args.get("status") in STATUSES else None
    with unit_of_work() as session:
        pool = vouchers.get_pool(session, pool_id=pool_id, with_counts=True)
        context = {
            "pool": pool,
            "version": versions.voucher_pool(session, pool_id=pool_id),
            "codes": vouchers.list_pool_vouchers(session, pool_id=pool_id, status=code_status, limit=50,
                                                 starting_after=request.args.get("starting_after")),
            "imports": vouchers.list_imports(session, pool_id=pool_id, limit=IMPORTS_SHOWN).data,
            "now": clock.now(),
        }
    following = any(started.status in ("queued", "running") for started in context["imports"])
    settings_shown = vouchers.shown_settings(context["pool"])
    return render("console/vouchers/pool.html", status, errors=errors or {}, refusal=refusal,
                  code_status=code_status, statuses=STATUSES, following=following, created_secret=created_secret,
                  max_file_mib=MAX_FILE_BYTES // (1024 * 1024), settings_shown=settings_shown, **context)


@bp.route("/vouchers/<pool_id>/generate", methods=["POST"])
@page("vouchers")
def generate_codes(pool_id):
    def write() -> str:
        with unit_of_work() as session:
            # The pool first: another shop's pool is 404 whatever the form holds.
            stale.check(versions.voucher_pool(session, pool_id=pool_id, lock=True))
            form = FormReader()
            data = form.load(GenerateSchema(), {"count": form.integer("count")})
            vouchers.generate_codes(session, pool_id=pool_id, **data)
        return done("console.voucher_pool", "generated", pool_id=pool_id)

    return submitted(write, again=lambda **kw: _pool_page(pool_id, **kw))


@bp.route("/vouchers/<pool_id>/import", methods=["POST"])
@page("vouchers")
def import_codes(pool_id):
    def write() -> str:
        with unit_of_work() as session:
            stale.check(versions.voucher_pool(session, pool_id=pool_id, lock=True))
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise FormErrors({"file": [_("Choose a file of codes: one a line, or a CSV with codes first.")]})
            # One byte more than allowed is enough for the service to refuse it, without reading it all.
            vouchers.start_import(session, pool_id=pool_id, filename=upload.filename,
                                  content=upload.read(MAX_FILE_BYTES + 1))
        return done("console.voucher_pool", "import_started", pool_id=pool_id)

    return submitted(write, again=lambda **kw: _pool_page(pool_id, **kw))
