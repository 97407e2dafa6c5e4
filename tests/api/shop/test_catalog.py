from tests.api.shop.builders import create_product, sku_id


def test_a_merchant_creates_a_product_with_skus(tenant):
    body = {"title": "Longjing tea", "description": "Spring harvest", "image_urls": ["https://img.example/lj.png"],
            "skus": [{"name": "100 g", "price": 12800, "stock": 5}, {"name": "250 g", "price": 29800, "stock": 0}]}

    product = tenant.admin.post("/v1/admin/products", body, expect=201).get_json()

    assert product["id"].startswith("prod_")
    assert product["status"] == "active"
    assert [(s["name"], s["price"], s["stock"]) for s in product["skus"]] == [("100 g", 12800, 5), ("250 g", 29800, 0)]


def test_a_product_needs_at_least_one_sku_and_sane_prices(tenant):
    no_skus = tenant.admin.post("/v1/admin/products", {"title": "Nothing", "skus": []}, expect=422).get_json()
    negative = tenant.admin.post("/v1/admin/products", {"title": "Odd", "skus": [{"price": -1, "stock": 1}]},
                                 expect=422).get_json()
    fractional = tenant.admin.post("/v1/admin/products", {"title": "Odd", "skus": [{"price": 1.5, "stock": 1}]},
                                   expect=422).get_json()

    assert no_skus["reason"] == negative["reason"] == fractional["reason"] == "invalid_request"
    assert "skus" in no_skus["errors"]["json"]


def test_the_storefront_shows_active_products_with_in_stock_but_not_stock_counts(tenant):
    shown = create_product(tenant, title="Shown", skus=[{"price": 100, "stock": 3}, {"price": 200, "stock": 0}])
    archived = create_product(tenant, title="Archived")
    tenant.admin.patch(f"/v1/admin/products/{archived['id']}", {"status": "archived"}, expect=200)

    listing = tenant.storefront.get("/v1/storefront/products", expect=200).get_json()

    assert [p["id"] for p in listing["data"]] == [shown["id"]]
    assert listing["data"][0]["skus"] == [
        {"id": sku_id(shown, 0), "name": None, "price": 100, "in_stock": True},
        {"id": sku_id(shown, 1), "name": None, "price": 200, "in_stock": False},
    ]
    tenant.storefront.get(f"/v1/storefront/products/{archived['id']}", expect=404)


def test_a_consumer_may_browse_too(tenant):
    product = create_product(tenant)

    shown = tenant.consumer().get(f"/v1/storefront/products/{product['id']}", expect=200).get_json()

    assert shown["title"] == "Oolong tea"


def test_the_merchant_edits_a_product_and_its_skus(tenant):
    product = create_product(tenant)

    edited = tenant.admin.patch(f"/v1/admin/products/{product['id']}", {"title": "Tie Guan Yin"},
                                expect=200).get_json()
    sku = tenant.admin.patch(f"/v1/admin/skus/{sku_id(product)}", {"price": 9900, "stock": 42}, expect=200).get_json()
    added = tenant.admin.post(f"/v1/admin/products/{product['id']}/skus", {"name": "1 kg", "price": 30000, "stock": 2},
                              expect=201).get_json()

    assert edited["title"] == "Tie Guan Yin"
    assert (sku["price"], sku["stock"]) == (9900, 42)
    current = tenant.admin.get(f"/v1/admin/products/{product['id']}", expect=200).get_json()
    assert [s["id"] for s in current["skus"]] == [sku_id(product), added["id"]]


def test_admin_listing_pages_newest_first_and_filters_by_status(tenant):
    first, second, third = (create_product(tenant, title=f"P{i}") for i in range(3))
    tenant.admin.patch(f"/v1/admin/products/{second['id']}", {"status": "archived"}, expect=200)

    page = tenant.admin.get("/v1/admin/products", query={"limit": 2}, expect=200).get_json()
    rest = tenant.admin.get("/v1/admin/products", query={"limit": 2, "starting_after": page["data"][-1]["id"]},
                            expect=200).get_json()
    active = tenant.admin.get("/v1/admin/products", query={"status": "active"}, expect=200).get_json()

    assert [p["id"] for p in page["data"]] == [third["id"], second["id"]] and page["has_more"]
    assert [p["id"] for p in rest["data"]] == [first["id"]] and not rest["has_more"]
    assert [p["id"] for p in active["data"]] == [third["id"], first["id"]]


def test_staff_may_read_the_catalog_but_not_change_it(tenant):
    product = create_product(tenant)
    staff = tenant.key("staff")

    staff.get(f"/v1/admin/products/{product['id']}", expect=200)
    refused = staff.patch(f"/v1/admin/products/{product['id']}", {"title": "No"}, expect=403).get_json()

    assert refused["reason"] == "forbidden"


def test_another_tenants_products_are_not_found(tenant, other_tenant):
    theirs = create_product(other_tenant)

    tenant.admin.get(f"/v1/admin/products/{theirs['id']}", expect=404)
    tenant.admin.patch(f"/v1/admin/skus/{sku_id(theirs)}", {"stock": 0}, expect=404)
    tenant.storefront.get(f"/v1/storefront/products/{theirs['id']}", expect=404)


def test_anonymous_callers_cannot_browse(anonymous):
    assert anonymous.get("/v1/storefront/products", expect=401).get_json()["reason"] == "unauthenticated"
