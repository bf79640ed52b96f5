"""Returns as sellers see them and answer them, and the seller dashboard."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from app.catalog.schemas import RefOut
from app.common.fields import DecimalString, Trimmed
from app.common.money import MoneyField
from app.common.schemas import BaseSchema, OutSchema, PaginationQuery
from app.returns.schemas import STATUSES

RESPONSES = ["accept", "dispute"]


class SellerReturnQuery(PaginationQuery):
    status = fields.List(
        fields.String(validate=validate.OneOf(STATUSES)),
        validate=validate.Length(max=len(STATUSES)),
        metadata={"description": "The return's status; repeatable"},
    )
    answered = fields.Boolean(metadata={"description": "Whether I have accepted or disputed it"})


class SellerReturnLineOut(OutSchema):
    order_line_id = fields.Integer()
    name = fields.String()
    unit_price = MoneyField()
    quantity = fields.Integer()


class SellerReturnOut(OutSchema):
    return_id = fields.Integer()
    seller_order_id = fields.Integer()
    seller_order_reference = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"description": "The return's"})
    reason = fields.String()
    details = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(SellerReturnLineOut), metadata={"description": "My lines only"})
    created_at = fields.AwareDateTime()
    respond_by = fields.AwareDateTime(metadata={"description": "Answer by then (SELLER_RETURN_RESPONSE_DAYS)"})
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    response = fields.String(allow_none=True, validate=validate.OneOf(RESPONSES))
    response_reason = fields.String(allow_none=True)
    responded_at = fields.AwareDateTime(allow_none=True)


class ReturnAnswerIn(BaseSchema):
    response = fields.String(required=True, validate=validate.OneOf(RESPONSES), metadata={"example": "dispute"})
    reason = Trimmed(
        allow_none=True,
        validate=validate.Length(min=3, max=500),
        metadata={"description": "Required to dispute", "example": "The seal is broken: it was used."},
    )

    @validates_schema
    def _dispute_says_why(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("response") == "dispute" and not data.get("reason"):
            raise ValidationError("Say why you dispute the return.", field_name="reason")


class SellerAnswerOut(OutSchema):
    seller = fields.Nested(RefOut, allow_none=True)
    seller_order_id = fields.Integer()
    respond_by = fields.AwareDateTime()
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    response = fields.String(allow_none=True, validate=validate.OneOf(RESPONSES))
    reason = fields.String(allow_none=True)
    responded_at = fields.AwareDateTime(allow_none=True)


class SalesOut(OutSchema):
    orders = fields.Integer(metadata={"description": "Seller orders placed in the period and to fulfil or further"})
    units = fields.Integer()
    gross = MoneyField(positive=False)
    commission = MoneyField(positive=False, metadata={"description": "As frozen at checkout"})
    net = MoneyField(positive=False)


class DashboardReturnsOut(OutSchema):
    returns = fields.Integer()
    units_returned = fields.Integer()
    units_sold = fields.Integer()
    return_rate = DecimalString(4, allow_none=True, metadata={"example": "0.0500"})


class RatingOut(OutSchema):
    average = DecimalString(2, metadata={"example": "4.50"})
    count = fields.Integer()


class LowStockOut(OutSchema):
    id = fields.Integer()
    name = fields.String()
    stock = fields.Integer()
    threshold = fields.Integer(metadata={"description": "The product's own, or the shop's default"})


class TopProductOut(OutSchema):
    product_id = fields.Integer()
    name = fields.String()
    units = fields.Integer()
    gross = MoneyField(positive=False)


class DashboardOut(OutSchema):
    period = fields.String()
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()
    sales = fields.Nested(SalesOut)
    previous = fields.Nested(SalesOut, metadata={"description": "The same, over the period before, of equal length"})
    open = fields.Dict(
        keys=fields.String(validate=validate.OneOf(["awaiting_payment", "to_fulfil", "packed", "shipped"])),
        values=fields.Integer(),
        metadata={"description": "Open seller orders by status, now"},
    )
    returns = fields.Nested(DashboardReturnsOut)
    rating = fields.Nested(RatingOut, metadata={"description": "Over every review of my products"})
    low_stock_threshold = fields.Integer()
    low_stock = fields.List(fields.Nested(LowStockOut), metadata={"description": "Active, at most 20, fewest first"})
    top_products = fields.List(fields.Nested(TopProductOut), metadata={"description": "By units in the period, 5"})
