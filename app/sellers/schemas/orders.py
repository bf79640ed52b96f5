"""Seller orders: a seller's part of an order, its lines, moves and history."""

from __future__ import annotations

from marshmallow import fields, validate

from app.common.fields import Trimmed
from app.common.money import MoneyField
from app.common.schemas import BaseSchema, OutSchema, PaginationQuery
from app.sellers.status import SellerOrderStatus


class SellerOrderQuery(PaginationQuery):
    status = fields.List(
        fields.String(validate=validate.OneOf([status.value for status in SellerOrderStatus])),
        validate=validate.Length(max=len(SellerOrderStatus)),
        metadata={"description": "Repeatable"},
    )
    created_from = fields.AwareDateTime()
    created_to = fields.AwareDateTime()
    reference = Trimmed(
        validate=validate.Length(min=1, max=16), metadata={"description": "The order's or the seller order's"}
    )


class AdminSellerOrderQuery(SellerOrderQuery):
    seller_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), metadata={"description": "One seller's"})


class SellerOrderLineOut(OutSchema):
    order_line_id = fields.Integer()
    product_id = fields.Integer()
    name = fields.String()
    sku = fields.String()
    unit_price = MoneyField()
    quantity = fields.Integer()
    line_total = MoneyField()
    commission = MoneyField(positive=False, metadata={"description": "Frozen at checkout"})
    cancelled = fields.Boolean(metadata={"description": "The seller (or staff) cancelled it: not delivered, refunded"})
    returned_quantity = fields.Integer(metadata={"description": "Units returned and refunded"})
    commission_reversed = MoneyField(
        positive=False,
        metadata={"description": "Commission given back on the returned units: the frozen amount pro rata by quantity"},
    )


class DeliverToOut(OutSchema):
    recipient = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    county = fields.String(allow_none=True)
    town = fields.String(allow_none=True)


class SellerOrderEventOut(OutSchema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_kind = fields.String(
        validate=validate.OneOf(["seller", "admin", "customer", "system"]),
        metadata={"description": "Who moved it: its seller, staff, the customer (cancelling the order), or the system"},
    )
    note = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class SellerOrderOut(OutSchema):
    id = fields.Integer()
    reference = fields.String(metadata={"description": "The order's reference and -1, -2..."})
    order_reference = fields.String()
    status = fields.String(validate=validate.OneOf([status.value for status in SellerOrderStatus]))
    payment_method = fields.String()
    lines = fields.List(fields.Nested(SellerOrderLineOut))
    subtotal = MoneyField(positive=False, metadata={"description": "Gross: what the buyer pays for these lines"})
    commission = MoneyField(positive=False, metadata={"description": "The platform's, frozen at checkout"})
    net = MoneyField(positive=False, metadata={"description": "The seller's: subtotal minus commission"})
    currency = fields.String()
    deliver_to = fields.Nested(DeliverToOut, metadata={"description": "Of the buyer, only what delivery needs"})
    courier = fields.String(allow_none=True)
    tracking_note = fields.String(allow_none=True)
    history = fields.List(fields.Nested(SellerOrderEventOut), attribute="events")
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ShipIn(BaseSchema):
    courier = Trimmed(validate=validate.Length(min=1, max=80), metadata={"example": "G4S"})
    tracking_note = Trimmed(validate=validate.Length(min=1, max=200), metadata={"example": "Waybill 123-456"})


class CancelPartIn(BaseSchema):
    reason = Trimmed(
        required=True,
        validate=validate.Length(min=3, max=200),
        metadata={"description": "Told to the customer", "example": "Out of stock"},
    )
