"""The catalog: products and SKUs, edited by the merchant and browsed by consumers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.api import Page
from core.errors import NotFound
from core.ids import new_id
from core.pagination import paginate
from shop.catalog import stock as stock_levels
from shop.catalog.models import Product, Sku
from shop.catalog.schemas import MAX_STOCK


def create_product(session: Session, *, title: str, skus: list[dict], description: str | None = None,
                   image_urls: list[str] | None = None) -> Product:
    """Create an active product with its SKUs."""
    now = clock.now()
    product = Product(id=new_id("prod"), title=title, description=description, image_urls=image_urls or [],
                      status="active", created_at=now, updated_at=now)
    product.skus = [_new_sku(now=now, position=position, **sku) for position, sku in enumerate(skus)]
    session.add(product)
    session.flush()
    return product


def add_sku(session: Session, *, product_id: str, price: int, stock: int, name: str | None = None) -> Sku:
    """Add a SKU to an existing product."""
    product = get_product(session, product_id=product_id)
    sku = _new_sku(now=clock.now(), position=len(product.skus), name=name, price=price, stock=stock)
    product.skus.append(sku)
    session.flush()
    return sku


def _new_sku(*, now, position: int, price: int, stock: int, name: str | None = None) -> Sku:
    return Sku(id=new_id("sku"), position=position, name=name, price=price, stock=stock, created_at=now,
               updated_at=now)


def list_products(session: Session, *, status: str | None, limit: int, starting_after: str | None) -> Page:
    """The tenant's products, newest first, optionally of one status."""
    query = select(Product)
    if status:
        query = query.where(Product.status == status)
    return paginate(session, query, id_column=Product.id, limit=limit, starting_after=starting_after)


def get_product(session: Session, *, product_id: str) -> Product:
    product = session.scalars(select(Product).where(Product.id == product_id)).one_or_none()
    if product is None:
        raise NotFound("No such product")
    return product


def update_product(session: Session, *, product_id: str, **changes) -> Product:
    """Change a product's title, description, images, status (archiving hides it from the storefront) or
    commission override (null removes it)."""
    product = get_product(session, product_id=product_id)
    if "commission" in changes:
        changes["commission"] = _commission_document(changes["commission"])
    for name, value in changes.items():
        setattr(product, name, value)
    product.updated_at = clock.now()
    session.flush()
    return product


def _commission_document(override: dict | None) -> dict | None:
    """Stored as JSON: rates as decimal strings, levels left unset omitted; nothing set means no override."""
    document = {key: str(value) if key.endswith("_rate") else value
                for key, value in (override or {}).items() if value is not None}
    return document or None


def commission_overrides(session: Session, *, product_ids: list[str]) -> dict[str, dict]:
    """The commission override of each of these products that has one, by product id."""
    if not product_ids:
        return {}
    rows = session.execute(select(Product.id, Product.commission).where(
        Product.id.in_(sorted(set(product_ids))), Product.commission.is_not(None)))
    return {product_id: commission for product_id, commission in rows if commission}


def update_sku(session: Session, *, sku_id: str, stock: int | None = None, stock_delta: int | None = None,
               expected_stock: int | None = None, **changes) -> Sku:
    """Change a SKU's name, price or stock; a price change applies to orders placed from now on.

    Stock changes by `stock_delta` (relative: checkouts meanwhile keep their units), by `stock` with
    `expected_stock` (only if the stock is still what the merchant saw: else 409 stock_changed), or by
    `stock` alone (set as it is: the merchant's count wins over whatever happened meanwhile).
    """
    sku = session.scalars(select(Sku).where(Sku.id == sku_id)).one_or_none()
    if sku is None:
        raise NotFound("No such SKU")
    if stock_delta is not None:
        stock_levels.adjust(session, sku_id=sku.id, delta=stock_delta, ceiling=MAX_STOCK)
    elif stock is not None:
        stock_levels.set_level(session, sku_id=sku.id, stock=stock, expected=expected_stock)
    for name, value in changes.items():
        setattr(sku, name, value)
    sku.updated_at = clock.now()
    session.flush()
    return sku


def list_active_products(session: Session, *, limit: int, starting_after: str | None) -> Page:
    """What consumers may browse: active products only, newest first."""
    query = select(Product).where(Product.status == "active")
    return paginate(session, query, id_column=Product.id, limit=limit, starting_after=starting_after)


def get_active_product(session: Session, *, product_id: str) -> Product:
    """An active product; archived ones are as absent to consumers as missing ones."""
    product = session.scalars(
        select(Product).where(Product.id == product_id, Product.status == "active")
    ).one_or_none()
    if product is None:
        raise NotFound("No such product")
    return product
