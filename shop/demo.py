"""`flask demo`: the embedded default, ready to try — a migrated database, a demo tenant, a server."""

from __future__ import annotations

import json

import click
from flask import current_app
from sqlalchemy import select
from werkzeug.serving import run_simple

from core import migrate
from core.db import unit_of_work
from core.tenancy import tenant_scope
from core.worker import start_inline_jobs
from shop import demo_activity
from shop.catalog import service as catalog
from tenants.keys import service as keys
from tenants.platform import service as platform
from tenants.platform.models import Tenant
from tenants.settings import service as settings

DEMO_SLUG = "demo"


def _create_demo_tenant() -> dict:
    with unit_of_work() as session:
        created = platform.create_tenant(session, name="Demo Shop", slug=DEMO_SLUG)
        with tenant_scope(created["id"]):
            # The demo is for trying things: consumers log in by openid and confirm their own offline payments.
            settings.update(session, patch={"auth": {"dev_login_enabled": True},
                                            "payments": {"offline_self_confirm": True}})
            seed_catalog(session)
            # A key per role, to try the console as a finance clerk or a cashier too.
            _, finance_key = keys.create_key(session, role="finance", name="Demo finance key")
            _, staff_key = keys.create_key(session, role="staff", name="Demo staff key")
    with tenant_scope(created["id"]):
        demo_activity.seed_activity()
    return {"tenant_id": created["id"], "publishable_key": created["publishable_key"],
            "admin_key": created["admin_key"], "finance_key": finance_key, "staff_key": staff_key}


DEMO_PRODUCTS = [
    {"title": "Da Hong Pao oolong", "description": "Wuyi rock tea, charcoal roasted.",
     "skus": [{"name": "50 g", "price": 6800, "stock": 100}, {"name": "250 g", "price": 29800, "stock": 20}]},
    {"title": "Longjing green tea", "description": "West Lake, pre-Qingming picking.",
     "skus": [{"name": "100 g", "price": 12800, "stock": 50}]},
    {"title": "Celadon tea cups", "description": "Set of four, Longquan kilns.",
     "skus": [{"name": "Set of 4", "price": 16800, "stock": 12}]},
    {"title": "Bamboo tea tray", "skus": [{"price": 9900, "stock": 0}]},
]


def seed_catalog(session) -> None:
    """A few products to browse (one of them sold out), in the current tenant."""
    for product in DEMO_PRODUCTS:
        catalog.create_product(session, **product)


def prepare_demo() -> dict:
    """Migrate and create the demo tenant once; its keys (kept in instance/demo-keys.json)."""
    migrate.upgrade()
    keys_file = current_app.instance_path + "/demo-keys.json"
    with unit_of_work() as session:
        exists = session.scalars(select(Tenant.id).where(Tenant.slug == DEMO_SLUG)).first()
    if exists:
        try:
            with open(keys_file) as handle:
                return json.load(handle)
        except FileNotFoundError:
            return {"tenant_id": exists, "note": "keys were shown when the demo tenant was created"}
    created = _create_demo_tenant()
    with open(keys_file, "w") as handle:
        json.dump(created, handle, indent=2)
    return created


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Prepare the database and demo tenant, then exit.")
def demo_command(host, port, no_serve):
    """Migrate, create the demo tenant (once), print its keys, and serve the API and the console."""
    keys = prepare_demo()
    base = f"http://{host}:{port}"
    click.echo(json.dumps({**keys, "api": f"{base}/v1", "docs": f"{base}/docs", "console": f"{base}/console"},
                          indent=2))
    click.echo(f"Console: open {base}/console and sign in with admin_key (or finance_key, staff_key).")
    if not no_serve:
        if current_app.config["FISSION_JOBS_MODE"] == "inline":
            start_inline_jobs()
        # Flask ignores app.run() inside a CLI command, so serve with werkzeug directly.
        run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False)
