"""The wallet on the wire."""

from __future__ import annotations

from marshmallow import fields, validate

from app.common.fields import KenyanPhone, Trimmed
from app.common.money import MoneyField
from app.common.schemas import BaseSchema, DayRangeQuery, OutSchema, PaginationQuery


class WalletOut(OutSchema):
    currency = fields.String(required=True, metadata={"example": "KES"})
    balance = MoneyField(positive=False, required=True, metadata={"description": "May be spent or withdrawn"})
    held = MoneyField(positive=False, required=True, metadata={"description": "Set aside for orders not yet paid"})
    in_withdrawal = MoneyField(positive=False, required=True, metadata={"description": "Being sent to M-Pesa"})


class WalletTransactionQuery(DayRangeQuery, PaginationQuery):
    pass


class WalletTransactionOut(OutSchema):
    id = fields.Integer(required=True, metadata={"description": "The ledger entry"})
    created_at = fields.AwareDateTime(required=True)
    kind = fields.String(required=True, metadata={"description": "top_up, adjustment...", "example": "top_up"})
    reference = fields.String(allow_none=True, metadata={"description": "The M-Pesa receipt, an order's reference..."})
    memo = fields.String(required=True)
    amount = MoneyField(signed=True, required=True, metadata={"description": "The change to the balance"})
    held = MoneyField(signed=True, required=True)
    in_withdrawal = MoneyField(signed=True, required=True)
    balance = MoneyField(signed=True, required=True, metadata={"description": "The wallet's total after it"})


class TopUpIn(BaseSchema):
    amount = MoneyField(required=True, metadata={"description": "Whole shillings, 10 to 250,000", "example": "500"})
    phone = KenyanPhone(metadata={"description": "The M-Pesa number to prompt; my profile's phone when omitted"})


class TopUpOut(OutSchema):
    id = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "pending, succeeded, failed or cancelled"})
    amount = MoneyField(required=True)
    phone = fields.String(required=True, metadata={"example": "254712345678"})
    checkout_request_id = fields.String(allow_none=True)
    receipt = fields.String(allow_none=True, metadata={"description": "The M-Pesa receipt, once paid"})
    failure_code = fields.String(allow_none=True)
    failure_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    settled_at = fields.AwareDateTime(allow_none=True)


class AdjustmentIn(BaseSchema):
    amount = MoneyField(
        signed=True, required=True, metadata={"description": "Added to the wallet; below zero, taken from it"}
    )
    reason = Trimmed(required=True, validate=validate.Length(min=3, max=200))


class WithdrawalIn(BaseSchema):
    amount = MoneyField(metadata={"description": "Whole shillings; all the wallet's whole shillings when left out"})
    phone = KenyanPhone(metadata={"description": "The M-Pesa number; my profile's phone when omitted"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
