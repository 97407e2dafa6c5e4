"""Segments on the embedded default (SQLite), run in a process of its own (the database is per process):
`python -m tests.integration.loyalty.embedded_segments DATABASE_FILE` prints one JSON line of findings."""

from __future__ import annotations

from datetime import timedelta

from core import clock
from tests.integration.loyalty.embedded import embedded_app, print_findings


def main(path: str) -> dict:
    app = embedded_app(path)
    from tests.api.loyalty.segments.campaigns import campaign, coupon_template, dry_run, launch, segment
    from tests.api.loyalty.segments.shop import Shop, customer, refresh
    from tests.support.factories import create_tenant

    tenant = create_tenant(app.test_client())
    shop, loyal, once, browser = Shop(tenant), tenant.consumer(), tenant.consumer(), tenant.consumer()
    refunded = shop.buy(loyal)
    shop.buy(loyal), shop.buy(loyal), shop.buy(loyal)
    shop.buy(once)
    shop.refund(refunded)
    found = {"stages": [customer(tenant, c.customer_id)["stage"] for c in (loyal, once, browser)]}
    refresh(tenant)
    found["scores"] = [customer(tenant, c.customer_id)["rfm"]["f"] for c in (loyal, once, browser)]
    tag = tenant.admin.post("/v1/admin/tags", {"name": "Recent", "rule": {"all": [
        {"field": "points_balance", "op": "gte", "value": 1}, {"field": "last_paid_days", "op": "lt", "value": 3}]}})
    found["tag_count"] = tag.get_json()["customer_count"]
    buyers = segment(tenant, {"any": [{"field": "stage", "op": "in", "value": ["new", "loyal"]}]})
    found["preview"] = tenant.admin.get(f"/v1/admin/segments/{buyers['id']}/preview").get_json()["count"]
    coupon = campaign(tenant, buyers["id"], {"kind": "grant_coupon",
                                             "coupon_template_id": coupon_template(tenant, total_quantity=1)["id"]})
    found["dry_run"] = dry_run(tenant, coupon["id"])
    done = launch(tenant, coupon["id"])
    found["coupon_campaign"] = [done[k] for k in ("status", "granted", "skipped_capped", "skipped_limit")]
    found["listed_loyal"] = [c["id"] == loyal.customer_id for c in tenant.admin.get(
        "/v1/admin/customers", query={"stage": "loyal"}).get_json()["data"]]
    with clock.travel(timedelta(days=61)):
        refresh(tenant)
        found["later"] = [customer(tenant, c.customer_id)["stage"] for c in (loyal, once, browser)]
    return found


if __name__ == "__main__":
    print_findings(main)
