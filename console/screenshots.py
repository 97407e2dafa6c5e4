"""`flask console screenshots DIR`: a PNG of every console page at desktop and tablet widths, for review.

It prepares the demo tenant (with a month of activity), serves this app on a free local port in a
thread, opens a console session for the demo's admin key on the server side (no key is typed or
printed), and has Debian's Chromium, driven by Playwright, visit every page the navigation offers plus
the detail pages, the sign-in page and a refusal.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, current_app
from werkzeug.serving import make_server

from console import navigation
from console.sessions import service as console_sessions
from console.web import COOKIE
from core.db import unit_of_work
from core.tenancy import tenant_scope
from loyalty.segments import service as segments
from loyalty.vouchers import service as vouchers
from shop import demo, demo_activity
from shop.catalog import service as catalog
from shop.groupbuy import service as groupbuy
from shop.orders.service import queries as orders
from tenants.customers.search import search_customers
from tenants.keys import service as keys

WIDTHS = (1440, 820)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


@dataclass(frozen=True)
class Shot:
    name: str
    path: str
    signed_in: bool = True


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pages(app: Flask, tenant_id: str) -> list[Shot]:
    """The navigation's pages (a capability's page joins by itself), then one of each detail page."""
    with app.test_request_context("/console"), tenant_scope(tenant_id), unit_of_work() as session:
        shots = [Shot(entry["page"], entry["url"]) for entry in navigation.for_role("admin")]
        product = next(iter(catalog.list_products(session, status=None, limit=1, starting_after=None).data), None)
        order = next(iter(orders.list_orders(session, status="partially_refunded", limit=1,
                                             starting_after=None).data), None)
        customer = next(iter(search_customers(session, q=None, limit=1, starting_after=None).data), None)
        group_buy = next(iter(groupbuy.list_campaigns(session, limit=1, starting_after=None).data), None)
        pool = next(iter(vouchers.list_pools(session, limit=1, starting_after=None).data), None)
    shots.append(Shot("product-new", "/console/products/new"))
    if product:
        shots.append(Shot("product", f"/console/products/{product.id}"))
    if order:
        shots.append(Shot("order", f"/console/orders/{order.id}"))
    if customer:
        shots.append(Shot("customer", f"/console/customers/{customer.id}"))
    if group_buy:
        shots.append(Shot("group-buy", f"/console/group-buys/{group_buy.id}"))
    shots += [Shot("reconciliation", "/console/finance/reconciliation"),
              Shot("trial-balance", "/console/finance/trial-balance")]
    if pool:
        shots.append(Shot("voucher-pool", f"/console/vouchers/{pool.id}"))
    shots += _segment_pages(app, tenant_id)
    shots.append(Shot("login", "/console/login", signed_in=False))
    return shots


def _segment_pages(app: Flask, tenant_id: str) -> list[Shot]:
    """The rule builder, a segment and a campaign with its dry-run (the demo's first of each)."""
    with app.test_request_context("/console"), tenant_scope(tenant_id), unit_of_work() as session:
        segment = next(iter(segments.list_segments(session, limit=1, starting_after=None).data), None)
        campaign = next(iter(segments.list_campaigns(session, limit=1, starting_after=None).data), None)
    shots = [Shot("segment-new", "/console/segments/new")]
    if segment:
        shots.append(Shot("segment", f"/console/segments/{segment.id}"))
    if campaign:
        shots.append(Shot("campaign", f"/console/campaigns/{campaign.id}?dry_run=1"))
    return shots


def _demo_campaign(tenant_id: str) -> None:
    """A segment and a draft campaign for the demo, so their pages have something to show (once)."""
    with tenant_scope(tenant_id), unit_of_work() as session:
        if segments.list_segments(session, limit=1, starting_after=None).data:
            return
        regulars = segments.create_segment(session, name="复购客户", rule={"all": [
            {"field": "paid_orders", "op": "gte", "value": 2}, {"field": "stage", "op": "ne", "value": "churned"}]})
        segments.create_campaign(session, name="老客回馈 200 积分", segment_id=regulars.id,
                                 action={"kind": "grant_points", "points": 200})


def _admin_session(tenant_id: str) -> str:
    with tenant_scope(tenant_id), unit_of_work() as session:
        listed = keys.list_keys(session, limit=100, starting_after=None).data
        key = next(key for key in listed if key.role == "admin" and key.revoked_at is None)
        return console_sessions.start(session, key_id=key.id)


def take(directory: Path, *, language: str = "zh-CN") -> list[Path]:
    """Write the screenshots into `directory`; returns the files written."""
    # Playwright is a tool of the test extra, not of the running service: imported only when asked for.
    from playwright.sync_api import sync_playwright

    app = current_app._get_current_object()
    keys = demo.prepare_demo()
    tenant_id = keys["tenant_id"]
    with tenant_scope(tenant_id):
        if not demo_activity.has_activity():
            demo_activity.seed_activity()
    _demo_campaign(tenant_id)
    token = _admin_session(tenant_id)
    port = _free_port()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per file written is enough
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for width in WIDTHS:
                for signed_in in (True, False):
                    context = browser.new_context(viewport={"width": width, "height": 900}, locale=language,
                                                  extra_http_headers={"Accept-Language": language})
                    if signed_in:
                        context.add_cookies([{"name": COOKIE, "value": token, "url": base + "/console"}])
                    page = context.new_page()
                    for shot in _pages(app, tenant_id):
                        if shot.signed_in != signed_in:
                            continue
                        page.goto(base + shot.path)
                        target = directory / f"{shot.name}-{width}.png"
                        page.screenshot(path=str(target), full_page=True)
                        written.append(target)
                    context.close()
            browser.close()
    finally:
        server.shutdown()
        with tenant_scope(tenant_id), unit_of_work() as session:
            signed_in = console_sessions.resolve(session, token=token)
            if signed_in:
                console_sessions.end(session, session_id=signed_in.session_id)
    return written
