"""Products: the list, a new product with its SKU rows, editing (stale-checked), archiving and restoring."""

from __future__ import annotations

import contextlib

from flask import g, request
from flask_babel import gettext as _

from console import stale, versions
from console.forms import FormErrors, FormReader
from console.web import bp, done, page, render, submitted
from core.db import unit_of_work
from shop.catalog import service as catalog
from shop.catalog.schemas import ProductCreateSchema, ProductUpdateSchema, SkuCreateSchema, SkuUpdateSchema

NEW_ROWS = 3  # blank SKU rows offered on a new product (one more on an existing one)


@bp.route("/products")
@page("products")
def products():
    status = request.args.get("status") if request.args.get("status") in ("active", "archived") else None
    with unit_of_work() as session:
        listed = catalog.list_products(session, status=status, limit=50,
                                       starting_after=request.args.get("starting_after"))
    return render("console/products/list.html", products=listed, status=status)


@bp.route("/products/new", methods=["GET", "POST"])
@page("products")
def new_product():
    if request.method == "GET":
        return _new_page()
    return submitted(_create, again=_new_page)


def _new_page(errors=None, refusal=None, status=200):
    return render("console/products/new.html", status, errors=errors or {}, refusal=refusal,
                  sku_rows=_rows([], blank=NEW_ROWS))


def _create() -> str:
    form = FormReader(currency=g.console.currency)
    rows = [index for index in form.rows("skus") if _filled(form, index)]
    if not rows:
        form.errors["skus"] = [_("Give at least one SKU with its price and stock.")]
    skus = []
    for index in rows:  # each row on its own, so its errors name its own fields
        with contextlib.suppress(FormErrors):
            skus.append(form.load(SkuCreateSchema(), _without_none(_sku(form, index), keep=("name",)),
                                  prefix=f"skus-{index}"))
    data = {"title": form.text("title", blank_as_none=False), "description": form.text("description")}
    # With every row refused already, the list's own "at least one" would only repeat it.
    schema = ProductCreateSchema() if skus else ProductCreateSchema(partial=("skus",))
    product = form.load(schema, {**data, "skus": skus} if skus else data)
    with unit_of_work() as session:
        created = catalog.create_product(session, **product)
    return done("console.product", "created", product_id=created.id)


@bp.route("/products/<product_id>", methods=["GET", "POST"])
@page("products")
def product(product_id):
    if request.method == "GET":
        return _edit_page(product_id)
    return submitted(lambda: _update(product_id), again=lambda **kw: _edit_page(product_id, **kw))


def _edit_page(product_id: str, errors=None, refusal=None, status=200):
    with unit_of_work() as session:
        found = catalog.get_product(session, product_id=product_id)
        version = versions.product(session, product_id=product_id)
    return render("console/products/edit.html", status, product=found, version=version, errors=errors or {},
                  refusal=refusal, sku_rows=_rows(found.skus, blank=1))


def _update(product_id: str) -> str:
    form = FormReader(currency=g.console.currency)
    with unit_of_work() as session:
        stale.check(versions.product(session, product_id=product_id, lock=True))
        existing = {sku.id: sku for sku in catalog.get_product(session, product_id=product_id).skus}
        edited, added = [], []
        for index in form.rows("skus"):
            sku_id = form.text(f"skus-{index}-id")
            if sku_id in existing:
                edited.append((index, sku_id, _sku(form, index, required=True)))
            elif sku_id is None and _filled(form, index):
                added.append((index, _sku(form, index)))
        changes = _load_all(form, _product_fields(form), edited, added)
        catalog.update_product(session, product_id=product_id, **changes["product"])
        for sku_id, values in changes["edited"]:
            if any(getattr(existing[sku_id], name) != value for name, value in values.items()):
                catalog.update_sku(session, sku_id=sku_id, **values)
        for values in changes["added"]:
            catalog.add_sku(session, product_id=product_id, **values)
    return done("console.product", "saved", product_id=product_id)


def _product_fields(form: FormReader) -> dict:
    return {"title": form.text("title", blank_as_none=False), "description": form.text("description")}


def _load_all(form: FormReader, product: dict, edited: list, added: list) -> dict:
    """Load every part with the API's own schemas, gathering all their errors before refusing any."""
    loaded = {"product": {}, "edited": [], "added": []}
    with contextlib.suppress(FormErrors):  # keep collecting: one refusal lists every field
        loaded["product"] = form.load(ProductUpdateSchema(), product)
    for index, sku_id, values in edited:
        with contextlib.suppress(FormErrors):
            loaded["edited"].append((sku_id, form.load(SkuUpdateSchema(), _without_none(values, keep=("name",)),
                                                       prefix=f"skus-{index}")))
    for index, values in added:
        with contextlib.suppress(FormErrors):
            loaded["added"].append(form.load(SkuCreateSchema(), _without_none(values, keep=("name",)),
                                             prefix=f"skus-{index}"))
    form.raise_if_any()
    return loaded


@bp.route("/products/<product_id>/archive", methods=["POST"])
@page("products")
def archive_product(product_id):
    return _set_status(product_id, "archived", "archived")


@bp.route("/products/<product_id>/restore", methods=["POST"])
@page("products")
def restore_product(product_id):
    return _set_status(product_id, "active", "restored")


def _set_status(product_id: str, status: str, notice: str):
    def write() -> str:
        with unit_of_work() as session:
            stale.check(versions.product(session, product_id=product_id, lock=True))
            catalog.update_product(session, product_id=product_id, status=status)
        return done("console.product", notice, product_id=product_id)

    return submitted(write, again=lambda **kw: _edit_page(product_id, **kw))


def _rows(skus: list, *, blank: int) -> list[dict]:
    """The SKU rows to show: the product's, then blank ones (as many as were submitted, if shown again)."""
    submitted_rows = FormReader().rows("skus") if request.method == "POST" else []
    count = max(len(skus) + blank, max(submitted_rows, default=-1) + 1)
    return [{"index": index, "sku": skus[index] if index < len(skus) else None} for index in range(count)]


def _sku(form: FormReader, index: int, *, required: bool = False) -> dict:
    if required:  # an existing SKU keeps a price and a stock: blank is not "unchanged"
        form.require(f"skus-{index}-price", f"skus-{index}-stock")
    return {"name": form.text(f"skus-{index}-name"), "price": form.money(f"skus-{index}-price"),
            "stock": form.integer(f"skus-{index}-stock")}


def _filled(form: FormReader, index: int) -> bool:
    return any(form.has(f"skus-{index}-{name}") for name in ("name", "price", "stock"))


def _without_none(data: dict, keep: tuple[str, ...] = ("description",)) -> dict:
    """Drop values a reader could not read (their error is recorded), keeping fields where None means "clear"."""
    return {key: value for key, value in data.items() if value is not None or key in keep}
