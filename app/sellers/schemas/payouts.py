"""A seller's payouts and payout number."""

from __future__ import annotations

from marshmallow import fields, validate

from app.common.fields import KenyanPhone
from app.common.schemas import BaseSchema, OutSchema


class PayoutNumberOut(OutSchema):
    phone = fields.String(required=True, metadata={"example": "+254712345678"})
    held_until = fields.AwareDateTime(
        allow_none=True, metadata={"description": "Payouts to a newly set number wait until then"}
    )


class PayoutNumberIn(BaseSchema):
    phone = KenyanPhone(required=True, metadata={"description": "An M-Pesa number"})
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))
