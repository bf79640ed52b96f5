"""A seller's money: its balances and its statement."""

from __future__ import annotations

from marshmallow import fields

from app.common.money import MoneyField
from app.common.schemas import DayRangeQuery, OutSchema, PaginationQuery


class SellerBalanceOut(OutSchema):
    currency = fields.String(required=True, metadata={"example": "KES"})
    pending = MoneyField(
        signed=True, required=True, metadata={"description": "Earned on paid orders still inside their return window"}
    )
    available = MoneyField(
        signed=True,
        required=True,
        metadata={"description": "May be paid out; below zero when a refund came after a payout"},
    )
    in_payout = MoneyField(signed=True, required=True, metadata={"description": "Claimed by payouts not yet settled"})
    negative_carry = MoneyField(
        positive=False, required=True, metadata={"description": "What later earnings must cover before a payout"}
    )
    lifetime_earned = MoneyField(
        signed=True, required=True, metadata={"description": "Net of commission and of what was given back"}
    )
    lifetime_commission = MoneyField(signed=True, required=True)


class StatementPageQuery(DayRangeQuery, PaginationQuery):
    pass


class StatementLineOut(OutSchema):
    id = fields.Integer(required=True, metadata={"description": "The ledger entry"})
    created_at = fields.AwareDateTime(required=True)
    kind = fields.String(
        required=True,
        metadata={"description": "sale, cancellation, return, release, payout...", "example": "sale"},
    )
    reference = fields.String(
        allow_none=True, metadata={"description": "The seller order's reference, or the payout's"}
    )
    memo = fields.String(required=True)
    amount = MoneyField(signed=True, required=True, metadata={"description": "The change to the total owed to me"})
    pending = MoneyField(signed=True, required=True)
    available = MoneyField(signed=True, required=True)
    in_payout = MoneyField(signed=True, required=True)
    balance = MoneyField(signed=True, required=True, metadata={"description": "The total owed to me after it"})
