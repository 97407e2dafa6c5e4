"""Tags (manual and rule), segments and their preview, and the customer list's stage and tag filters."""

from tests.api.loyalty.segments.shop import Shop, refresh


def create_tag(tenant, name, rule=None, expect=201):
    body = {"name": name} if rule is None else {"name": name, "rule": rule}
    return tenant.admin.post("/v1/admin/tags", body, expect=expect).get_json()


def listed(tenant, **query):
    return [c["id"] for c in tenant.admin.get("/v1/admin/customers", query=query, expect=200).get_json()["data"]]


def test_a_manual_tag_takes_customers_by_hand_and_adding_twice_is_harmless(tenant):
    alice, bob = tenant.consumer(), tenant.consumer()
    tag = create_tag(tenant, "VIP")
    assert (tag["kind"], tag["rule"], tag["customer_count"]) == ("manual", None, 0)

    added = tenant.admin.post(f"/v1/admin/tags/{tag['id']}/customers",
                              {"customer_ids": [alice.customer_id, bob.customer_id]}, expect=200).get_json()
    again = tenant.admin.post(f"/v1/admin/tags/{tag['id']}/customers",
                              {"customer_ids": [alice.customer_id]}, expect=200).get_json()

    assert (added, again) == ({"added": 2}, {"added": 0})
    assert tenant.admin.get(f"/v1/admin/tags/{tag['id']}", expect=200).get_json()["customer_count"] == 2
    assert sorted(listed(tenant, tag=tag["id"])) == sorted([alice.customer_id, bob.customer_id])

    tenant.admin.delete(f"/v1/admin/tags/{tag['id']}/customers/{bob.customer_id}", expect=204)
    tenant.admin.delete(f"/v1/admin/tags/{tag['id']}/customers/{bob.customer_id}", expect=204)
    assert listed(tenant, tag=tag["id"]) == [alice.customer_id]


def test_adding_someone_who_is_not_a_customer_of_the_tenant_is_422_and_adds_nobody(tenant, other_tenant):
    alice, stranger = tenant.consumer(), other_tenant.consumer()
    tag = create_tag(tenant, "VIP")

    response = tenant.admin.post(f"/v1/admin/tags/{tag['id']}/customers",
                                 {"customer_ids": [alice.customer_id, stranger.customer_id]})

    assert response.status_code == 422
    assert response.get_json()["errors"] == {"customer_ids.1": ["No such customer."]}
    assert tenant.admin.get(f"/v1/admin/tags/{tag['id']}").get_json()["customer_count"] == 0


def test_a_tag_name_is_taken_once_per_tenant(tenant, other_tenant):
    create_tag(tenant, "VIP")

    response = tenant.admin.post("/v1/admin/tags", {"name": "VIP"})

    assert (response.status_code, response.get_json()["reason"]) == (409, "name_taken")
    create_tag(other_tenant, "VIP")


def test_a_rule_tag_is_computed_at_creation_and_on_refresh_and_is_not_edited_by_hand(tenant):
    shop, buyer, browser = Shop(tenant), tenant.consumer(), tenant.consumer()
    shop.buy(buyer)
    tag = create_tag(tenant, "Buyers", {"all": [{"field": "paid_orders", "op": "gte", "value": 1}]})
    assert (tag["kind"], tag["customer_count"]) == ("rule", 1)
    assert listed(tenant, tag=tag["id"]) == [buyer.customer_id]

    shop.buy(browser)
    assert tenant.admin.get(f"/v1/admin/tags/{tag['id']}").get_json()["customer_count"] == 1  # as of last refresh
    refreshed = tenant.admin.post(f"/v1/admin/tags/{tag['id']}/refresh", expect=200).get_json()
    assert refreshed["customer_count"] == 2

    by_hand = tenant.admin.post(f"/v1/admin/tags/{tag['id']}/customers", {"customer_ids": [buyer.customer_id]})
    removal = tenant.admin.delete(f"/v1/admin/tags/{tag['id']}/customers/{buyer.customer_id}")
    assert [by_hand.status_code, removal.status_code] == [409, 409]
    assert {by_hand.get_json()["reason"], removal.get_json()["reason"]} == {"invalid_state"}
    manual = create_tag(tenant, "Manual")
    assert tenant.admin.post(f"/v1/admin/tags/{manual['id']}/refresh").status_code == 409


def test_the_lifecycle_refresh_recomputes_rule_tags_too(tenant):
    shop, shopper = Shop(tenant), tenant.consumer()
    tag = create_tag(tenant, "Spenders", {"any": [{"field": "net_spend", "op": "gte", "value": 10_000}]})
    shop.buy(shopper)

    refresh(tenant)

    assert tenant.admin.get(f"/v1/admin/tags/{tag['id']}").get_json()["customer_count"] == 1


def test_a_rule_error_names_the_bad_condition_by_its_path_and_creates_nothing(tenant):
    rule = {"all": [{"field": "stage", "op": "eq", "value": "new"},
                    {"field": "paid_orders", "op": "between", "value": 1},
                    {"any": [{"field": "tag", "op": "gt", "value": "tag_x"}, {"field": "color", "op": "eq",
                                                                              "value": 1}]}]}

    response = tenant.admin.post("/v1/admin/segments", {"name": "Broken", "rule": rule})

    body = response.get_json()
    assert (response.status_code, body["reason"]) == (422, "invalid_request")
    assert set(body["errors"]) == {"rule.all.1.op", "rule.all.2.any.0.op", "rule.all.2.any.1.field"}
    assert tenant.admin.get("/v1/admin/segments").get_json()["data"] == []


def test_a_segment_preview_counts_and_samples_members_and_changes_nothing(tenant):
    shop = Shop(tenant)
    buyers = [tenant.consumer() for _ in range(3)]
    [tenant.consumer() for _ in range(2)]
    for buyer in buyers:
        shop.buy(buyer)
    segment = tenant.admin.post("/v1/admin/segments", {"name": "New buyers", "rule": {"all": [
        {"field": "stage", "op": "eq", "value": "new"}, {"field": "last_paid_days", "op": "lte", "value": 1}]}},
        expect=201).get_json()

    preview = tenant.admin.get(f"/v1/admin/segments/{segment['id']}/preview", expect=200).get_json()

    assert preview["count"] == 3
    assert sorted(preview["sample"]) == sorted(b.customer_id for b in buyers)
    assert tenant.admin.get(f"/v1/admin/segments/{segment['id']}", expect=200).get_json()["rule"] == segment["rule"]
    assert [s["id"] for s in tenant.admin.get("/v1/admin/segments").get_json()["data"]] == [segment["id"]]


def test_a_preview_samples_at_most_twenty(tenant):
    [tenant.consumer() for _ in range(22)]
    segment = tenant.admin.post("/v1/admin/segments", {"name": "All", "rule": {"all": [
        {"field": "stage", "op": "eq", "value": "prospect"}]}}, expect=201).get_json()

    preview = tenant.admin.get(f"/v1/admin/segments/{segment['id']}/preview").get_json()

    assert (preview["count"], len(preview["sample"])) == (22, 20)


def test_the_customer_list_filters_by_stage(tenant):
    shop, buyer, browser = Shop(tenant), tenant.consumer(), tenant.consumer()
    shop.buy(buyer)

    assert listed(tenant, stage="new") == [buyer.customer_id]
    assert listed(tenant, stage="prospect") == [browser.customer_id]
    assert listed(tenant, stage="loyal") == []
    bad = tenant.admin.get("/v1/admin/customers", query={"stage": "vip"})
    assert bad.status_code == 422
    assert "stage" in bad.get_json()["errors"]["query"]
