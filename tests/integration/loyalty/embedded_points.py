"""Points and coupons at checkout on the embedded default (SQLite), run in a process of its own (the database is
per process): `python -m tests.integration.loyalty.embedded_points DATABASE_FILE` prints one JSON line of
findings. PostgreSQL's one-statement hold and settlement must leave SQLite on the Wallet's path."""

from __future__ import annotations

from tests.integration.loyalty.embedded import embedded_app, print_findings


def main(path: str) -> dict:
    app = embedded_app(path)
    from tests.api.loyalty.coupons import claim, create_template
    from tests.api.loyalty.orders import cancel, checkout, pay, refused
    from tests.api.loyalty.points import give_points, points_of
    from tests.support.factories import create_tenant

    tenant = create_tenant(app.test_client())
    shopper = tenant.consumer()
    give_points(tenant, shopper, 100)
    template = create_template(tenant)
    found = {}
    paid = checkout(tenant, shopper, amount=5_000, points=30, coupon_id=claim(shopper, template["id"])["id"])
    found["held"] = [points_of(shopper)[key] for key in ("balance", "held")]
    pay(tenant, paid)
    found["paid"] = [points_of(shopper)[key] for key in ("balance", "held")]
    cancelled = checkout(tenant, shopper, amount=5_000, points=50)
    cancel(shopper, cancelled)
    found["cancelled"] = [points_of(shopper)[key] for key in ("balance", "held")]
    found["refused"] = [refused(tenant, shopper, amount=5_000, points=500),
                        refused(tenant, shopper, amount=5_000, points=10, coupon_id=paid["coupon_id"])]
    return found


if __name__ == "__main__":
    print_findings(main)
