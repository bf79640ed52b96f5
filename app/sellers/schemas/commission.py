"""Commission rates, and a product with the rate in effect on it (what its seller sees)."""

from __future__ import annotations

from marshmallow import fields, validate

from app.catalog.schemas import ProductOut
from app.common.money import MoneyField
from app.common.schemas import BaseSchema, OutSchema, PaginationQuery


class CommissionRateIn(BaseSchema):
    scope = fields.String(
        required=True,
        validate=validate.OneOf(["product", "category", "seller", "default"]),
        metadata={
            "description": "The most specific wins: product, then category (nearest up the tree), seller, default"
        },
    )
    target_id = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "The product, category or seller (not for the default)"},
    )
    kind = fields.String(required=True, validate=validate.OneOf(["percentage", "fixed"]))
    rate_bps = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=10_000),
        metadata={"description": "Basis points of the line total, for `percentage` (1250 = 12.5 %)"},
    )
    amount = MoneyField(positive=False, metadata={"description": "Per unit, for `fixed`"})
    min_amount = MoneyField(positive=False, allow_none=True, metadata={"description": "At least this per line"})
    max_amount = MoneyField(positive=False, allow_none=True, metadata={"description": "At most this per line"})


class CommissionRatePatch(BaseSchema):
    kind = fields.String(validate=validate.OneOf(["percentage", "fixed"]))
    rate_bps = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000))
    amount = MoneyField(positive=False)
    min_amount = MoneyField(positive=False, allow_none=True)
    max_amount = MoneyField(positive=False, allow_none=True)


class CommissionRateOut(OutSchema):
    id = fields.Integer()
    scope = fields.String()
    target_id = fields.Integer(metadata={"description": "0 for the default"})
    kind = fields.String()
    rate_bps = fields.Integer(allow_none=True)
    amount = MoneyField(positive=False, allow_none=True)
    min_amount = MoneyField(positive=False, allow_none=True)
    max_amount = MoneyField(positive=False, allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ProductCommissionOut(OutSchema):
    rate = fields.Nested(CommissionRateOut, allow_none=True, metadata={"description": "The rate in effect; null: none"})
    per_unit = MoneyField(
        positive=False, metadata={"description": "What the platform keeps of one unit at today's price"}
    )


class SellerProductOut(ProductOut):
    low_stock_threshold = fields.Integer(
        allow_none=True, metadata={"description": "Mine for this product; null: the shop's default"}
    )
    commission = fields.Nested(
        ProductCommissionOut,
        metadata={"description": "The most specific rate in effect now; an order freezes its own at checkout"},
    )


class CommissionRateQuery(PaginationQuery):
    scope = fields.String(validate=validate.OneOf(["product", "category", "seller", "default"]))
