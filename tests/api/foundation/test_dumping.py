"""core/dumping.py: a response dumped by its schema's plan is what marshmallow itself dumps, key for key."""

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import marshmallow as ma
import pytest

from core import api, clock
from core.api import Schema
from core.writes import attach, built
from shop.orders.models import Order, OrderLine
from shop.orders.schemas import AdminOrderSchema, OrderSchema, QuoteSchema
from shop.payments.models import Payment


def both_ways(schema, obj, monkeypatch, *, many=False):
    """(planned, marshmallow's): json text, so that the order of the keys counts too."""
    planned = json.dumps(schema.dump(obj, many=many), default=str)
    assert schema._dump_plan is not None  # the planned path was taken
    with monkeypatch.context() as patched:
        patched.setattr(api, "dump_plan", lambda _schema: None)
        fresh = type(schema)()  # no plan made yet: takes marshmallow's path, nested schemas too
        plain = json.dumps(fresh.dump(obj, many=many), default=str)
    return planned, plain


def order(status="paid", group_id=None):
    now = clock.now()
    made = built(Order, tenant_id="ten_1", id="ord_1", customer_id="cus_1", status=status, currency="CNY",
                 subtotal=300, discount_total=10, points_used=100, points_deduction=1, total=289, refunded_total=0,
                 coupon_id="cpn_1", voucher_code=None, voucher_deduction=0, created_at=now, expires_at=now,
                 paid_at=now, group_campaign_id="gbc_1" if group_id else None, group_id=group_id,
                 group_role="leader" if group_id else None)
    lines = [built(OrderLine, tenant_id="ten_1", id=f"line_{n}", order_id="ord_1", position=n, product_id="prd_1",
                   sku_id=f"sku_{n}", title="T-shirt \"red\"", sku_name=None if n else "XL", quantity=n + 1,
                   unit_price=100, subtotal=100 * (n + 1), discount=5, voucher_deduction=0, points_deduction=0,
                   points_used=50, total=95, refunded_quantity=0, refunded_amount=0, points_returned=0)
             for n in range(2)]
    payment = built(Payment, tenant_id="ten_1", id="pay_1", order_id="ord_1", provider="offline", amount=289,
                    currency="CNY", status="succeeded", created_at=now)
    attach(made, lines=lines, payment=payment)
    return made


@pytest.mark.parametrize("schema", [OrderSchema, AdminOrderSchema])
@pytest.mark.parametrize("group_id", [None, "grp_1"])
def test_an_order_dumps_as_marshmallow_dumps_it(app, monkeypatch, schema, group_id):
    with app.app_context():
        planned, plain = both_ways(schema(), order(group_id=group_id), monkeypatch)
        assert planned == plain
        assert '"lines": [{' in planned and '"payment": {"provider": "offline"' in planned
        planned, plain = both_ways(schema(), [order(), order("pending_payment")], monkeypatch, many=True)
        assert planned == plain


class Gadget:
    """Attributes of every kind a schema may read: plain, a property, a dotted path, a missing one."""

    shadowed = "the class's"

    def __init__(self):
        self.name = 'with "quotes"'
        self.count = Decimal("7")
        self.when = datetime(2026, 11, 26, 15, 30, tzinfo=UTC)
        self.inner = Part(3)
        self.parts = [Part(1), Part(None)]
        self.nothing = None
        self.shadowed = "the instance's"
        self.__dict__["computed"] = "hidden by the property"

    @property
    def computed(self):
        return "the property's"


@dataclass(frozen=True)
class Part:
    size: int | None


class PartSchema(Schema):
    size = ma.fields.Integer(allow_none=True)
    label = ma.fields.String(dump_default="no label")


class GadgetSchema(Schema):
    name = ma.fields.String()
    renamed = ma.fields.String(attribute="name", data_key="title", dump_only=True)
    count = ma.fields.Integer()
    count_text = ma.fields.Integer(attribute="count", as_string=True, dump_only=True)
    price = ma.fields.Decimal(attribute="count", as_string=True, dump_only=True)
    when = ma.fields.DateTime()
    when_rfc = ma.fields.DateTime(attribute="when", format="rfc", dump_only=True)
    inner = ma.fields.Nested(PartSchema)
    inner_size = ma.fields.Integer(attribute="inner.size", dump_only=True)
    parts = ma.fields.List(ma.fields.Nested(PartSchema))
    nothing = ma.fields.Nested(PartSchema, allow_none=True)
    absent = ma.fields.String()
    absent_default = ma.fields.String(dump_default=lambda: "called")
    computed = ma.fields.String()
    shadowed = ma.fields.String()
    method = ma.fields.Method("describe")
    function = ma.fields.Function(lambda gadget: gadget.name.upper())
    constant = ma.fields.Constant(42)

    def describe(self, gadget):
        return f"{gadget.count} of {gadget.name}"


def test_every_kind_of_field_dumps_as_marshmallow_dumps_it(monkeypatch):
    planned, plain = both_ways(GadgetSchema(), Gadget(), monkeypatch)
    assert planned == plain
    dumped = json.loads(planned)
    assert "absent" not in dumped and dumped["absent_default"] == "called" and dumped["title"] == 'with "quotes"'
    assert (dumped["computed"], dumped["shadowed"]) == ("the property's", "the instance's")
    assert dumped["parts"] == [{"size": 1, "label": "no label"}, {"size": None, "label": "no label"}]


def test_a_mapping_dumps_as_marshmallow_dumps_it(monkeypatch):
    quote = {"currency": "CNY", "subtotal": 100, "total": 90, "lines": [{"sku_id": "sku_1", "total": 90}],
             "coupon_id": None}
    planned, plain = both_ways(QuoteSchema(), quote, monkeypatch)
    assert planned == plain
