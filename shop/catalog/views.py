from flask.views import MethodView

from core.api import Blueprint, PageArgsSchema, page_schema
from core.db import unit_of_work
from shop.catalog import service
from shop.catalog.schemas import (
    ProductCreateSchema,
    ProductListArgsSchema,
    ProductSchema,
    ProductUpdateSchema,
    SkuCreateSchema,
    SkuSchema,
    SkuUpdateSchema,
    StorefrontProductSchema,
)
from tenants.auth import secret_key, storefront

admin = Blueprint("catalog_admin", __name__, url_prefix="/v1/admin", description="Catalog (merchant)")
shelf = Blueprint("catalog_storefront", __name__, url_prefix="/v1/storefront", description="Catalog (consumers)")


@admin.route("/products")
class Products(MethodView):
    @secret_key("admin")
    @admin.arguments(ProductCreateSchema)
    @admin.response(201, ProductSchema)
    def post(self, data):
        """Create a product with its SKUs (price in minor units, stock)."""
        with unit_of_work() as session:
            return service.create_product(session, **data)

    @secret_key("admin", "finance", "staff")
    @admin.arguments(ProductListArgsSchema, location="query")
    @admin.response(200, page_schema(ProductSchema))
    def get(self, args):
        """The tenant's products, newest first; `status` filters active or archived ones."""
        with unit_of_work() as session:
            return service.list_products(session, **args)


@admin.route("/products/<product_id>")
class ProductDetail(MethodView):
    @secret_key("admin", "finance", "staff")
    @admin.response(200, ProductSchema)
    def get(self, product_id):
        """One product with its SKUs and their stock."""
        with unit_of_work() as session:
            return service.get_product(session, product_id=product_id)

    @secret_key("admin")
    @admin.arguments(ProductUpdateSchema)
    @admin.response(200, ProductSchema)
    def patch(self, changes, product_id):
        """Edit a product; `status: "archived"` takes it off the storefront."""
        with unit_of_work() as session:
            return service.update_product(session, product_id=product_id, **changes)


@admin.route("/products/<product_id>/skus")
class ProductSkus(MethodView):
    @secret_key("admin")
    @admin.arguments(SkuCreateSchema)
    @admin.response(201, SkuSchema)
    def post(self, data, product_id):
        """Add a SKU to a product."""
        with unit_of_work() as session:
            return service.add_sku(session, product_id=product_id, **data)


@admin.route("/skus/<sku_id>")
class SkuDetail(MethodView):
    @secret_key("admin")
    @admin.arguments(SkuUpdateSchema)
    @admin.response(200, SkuSchema)
    @admin.alt_response(409, description="stock_changed: expected_stock is no longer the stock; out_of_stock: "
                                         "stock_delta would take more than there is. Nothing changed.")
    def patch(self, changes, sku_id):
        """Change a SKU's name, price or stock: `stock_delta` (relative), `stock` with `expected_stock`
        (conditional), or `stock` alone (set as it is)."""
        with unit_of_work() as session:
            return service.update_sku(session, sku_id=sku_id, **changes)


@shelf.route("/products")
class StorefrontProducts(MethodView):
    @storefront
    @shelf.arguments(PageArgsSchema, location="query")
    @shelf.response(200, page_schema(StorefrontProductSchema))
    def get(self, page):
        """Active products, newest first, with each SKU's price and whether it is in stock."""
        with unit_of_work() as session:
            return service.list_active_products(session, **page)


@shelf.route("/products/<product_id>")
class StorefrontProductDetail(MethodView):
    @storefront
    @shelf.response(200, StorefrontProductSchema)
    def get(self, product_id):
        """One active product; an archived or unknown one is 404."""
        with unit_of_work() as session:
            return service.get_active_product(session, product_id=product_id)
