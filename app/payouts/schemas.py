"""Payouts on the wire."""

from __future__ import annotations

from marshmallow import fields, validate

from app.common.fields import Trimmed
from app.common.money import MoneyField
from app.common.schemas import BaseSchema, OutSchema, PaginationQuery
from app.payouts.status import PayeeKind, PayoutStatus


class PayoutEventOut(OutSchema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String(required=True)
    actor_kind = fields.String(required=True, metadata={"description": "seller, customer, admin, system or mpesa"})
    note = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)


class PayoutOut(OutSchema):
    id = fields.Integer(required=True)
    status = fields.String(
        required=True, metadata={"description": "pending_approval, queued, submitted, unknown, paid, failed, rejected"}
    )
    amount = MoneyField(required=True, metadata={"description": "Whole shillings"})
    currency = fields.String(required=True, metadata={"example": "KES"})
    phone = fields.String(
        required=True, metadata={"description": "The M-Pesa number it goes to", "example": "254712345678"}
    )
    payee = fields.String(required=True, metadata={"description": "seller or wallet"})
    seller_id = fields.Integer(allow_none=True)
    origin = fields.String(required=True, metadata={"description": "request, schedule or retry"})
    batch = fields.String(required=True, metadata={"description": "Payouts made by one request share it"})
    retry_of_id = fields.Integer(allow_none=True)
    not_before = fields.AwareDateTime(allow_none=True, metadata={"description": "Held until then: a new payout number"})
    created_at = fields.AwareDateTime(required=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    submitted_at = fields.AwareDateTime(allow_none=True)
    completed_at = fields.AwareDateTime(allow_none=True, metadata={"description": "When M-Pesa completed it"})
    receipt = fields.String(allow_none=True, metadata={"description": "The M-Pesa transaction id"})
    recipient_name = fields.String(allow_none=True, metadata={"description": "As M-Pesa names the receiver"})
    result_code = fields.String(allow_none=True)
    failure_reason = fields.String(allow_none=True)
    needs_review = fields.Boolean(required=True)
    history = fields.List(fields.Nested(PayoutEventOut), attribute="events", required=True)


class PayoutsMadeOut(OutSchema):
    amount = MoneyField(required=True, metadata={"description": "All of them together"})
    payouts = fields.List(
        fields.Nested(PayoutOut),
        required=True,
        metadata={"description": "One per M-Pesa transaction (at most KES 250,000 each)"},
    )


class PayoutQuery(PaginationQuery):
    status = fields.List(
        fields.String(validate=validate.OneOf([status.value for status in PayoutStatus])),
        validate=validate.Length(max=len(PayoutStatus)),
        metadata={"description": "Repeatable"},
    )


class AdminPayoutQuery(PayoutQuery):
    payee = fields.String(validate=validate.OneOf([kind.value for kind in PayeeKind]))
    seller_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    needs_review = fields.Boolean()


class PayoutRequestIn(BaseSchema):
    amount = MoneyField(
        metadata={"description": "Whole shillings; all that is available when left out", "example": "1500"}
    )


class RejectPayoutIn(BaseSchema):
    reason = Trimmed(required=True, validate=validate.Length(min=3, max=300))


class PayoutControlOut(OutSchema):
    paused = fields.Boolean(required=True)
    reason = fields.String(allow_none=True)
    changed_at = fields.AwareDateTime(required=True)


class PayoutControlIn(BaseSchema):
    paused = fields.Boolean(required=True)
    reason = Trimmed(validate=validate.Length(min=3, max=300), metadata={"description": "Required to pause"})
