"""Request and response schemas of returns."""

from __future__ import annotations

from typing import Any

from flask import url_for
from marshmallow import fields, validate

from app.common.fields import DecimalString, Trimmed
from app.common.money import MoneyField
from app.common.schemas import BaseSchema, FileUploadIn, OutSchema, PaginationQuery
from app.common.storage import sign_link
from app.orders.status import ActorKind
from app.returns.periods import PERIODS
from app.returns.status import ReturnReason, ReturnStatus

STATUSES = [status.value for status in ReturnStatus]
REASONS = [reason.value for reason in ReturnReason]
REFUND_TO = ["original", "wallet"]
Id = lambda **kw: fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1), **kw)


class ReturnLineIn(BaseSchema):
    order_line_id = Id(required=True)
    quantity = fields.Integer(strict=True, required=True, validate=validate.Range(min=1, max=999))


class ReturnIn(BaseSchema):
    order_id = Id(required=True)
    lines = fields.List(fields.Nested(ReturnLineIn), required=True, validate=validate.Length(min=1, max=100))
    reason = fields.String(required=True, validate=validate.OneOf(REASONS))
    details = Trimmed(allow_none=True, validate=validate.Length(max=2000), metadata={"description": "Plain text"})
    refund_to = fields.String(
        load_default="original",
        validate=validate.OneOf(REFUND_TO),
        metadata={"description": "original: back where the money came from; wallet: store credit at once"},
    )


class RejectIn(BaseSchema):
    reason = Trimmed(required=True, validate=validate.Length(min=1, max=500))


class ApproveIn(BaseSchema):
    note = Trimmed(allow_none=True, validate=validate.Length(max=500))


class ReceiveIn(BaseSchema):
    restock = fields.Boolean(required=True, metadata={"description": "Put the units back in stock (once)"})


class ReturnRefundIn(BaseSchema):
    amount = MoneyField(
        metadata={"description": "Store currency; at most the lines' worth (the delivery fee too if all came back)"}
    )
    reference = Trimmed(
        validate=validate.Length(min=1, max=100),
        metadata={"description": "M-Pesa and cash: the reference of the refund made by hand (required for them)"},
    )
    refund_to = fields.String(
        validate=validate.OneOf(REFUND_TO),
        metadata={"description": "Where the refund goes; the customer's choice when left out"},
    )


class ReturnQuery(PaginationQuery):
    status = fields.List(
        fields.String(validate=validate.OneOf(STATUSES)),
        validate=validate.Length(max=len(STATUSES)),
        metadata={"description": "Repeatable"},
    )
    order_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    customer_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), metadata={"description": "Admins only"})
    created_from = fields.AwareDateTime(metadata={"description": "Created at or after (ISO 8601 with offset)"})
    created_to = fields.AwareDateTime(metadata={"description": "Created before"})


class ReturnLineOut(OutSchema):
    order_line_id = fields.Integer()
    product_id = fields.Integer()
    name = fields.String()
    unit_price = MoneyField()
    quantity = fields.Integer()


class ReturnEventOut(OutSchema):
    from_status = fields.String(allow_none=True, validate=validate.OneOf(STATUSES))
    to_status = fields.String(validate=validate.OneOf(STATUSES))
    actor_kind = fields.String(validate=validate.OneOf([kind.value for kind in ActorKind]))
    actor_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class ReturnImageIn(FileUploadIn):
    pass


def photo_link(image: Any) -> str:
    """The signed link a photo is opened by (the `url` in responses, the `Location` of its 201)."""
    return url_for("returns.get_return_image", return_id=image.return_id, image_id=image.id, **sign_link(image.path))


class ReturnImageOut(OutSchema):
    id = fields.Integer()
    url = fields.Function(
        photo_link,
        metadata={
            "type": "string",
            "format": "uri-reference",
            "description": "A signed link to the photo (no token needed, so an <img> can show it) that "
            "expires one to two times PRIVATE_MEDIA_LINK_MINUTES (15 by default) after it was handed "
            "out; read the return again for a fresh one",
        },
    )
    created_at = fields.AwareDateTime()


class ReturnOut(OutSchema):
    id = fields.Integer()
    order_id = fields.Integer()
    customer_id = fields.Integer(attribute="user_id")
    status = fields.String(validate=validate.OneOf(STATUSES))
    reason = fields.String(validate=validate.OneOf(REASONS))
    details = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(ReturnLineOut))
    rejection_reason = fields.String(allow_none=True)
    refund_amount = MoneyField(allow_none=True)
    refund_to = fields.String(validate=validate.OneOf(REFUND_TO), metadata={"description": "original or wallet"})
    refund_id = fields.Integer(allow_none=True, metadata={"description": "The payment refund that carried it"})
    restocked = fields.Function(lambda r: r.restocked_at is not None, metadata={"type": "boolean"})
    images = fields.List(fields.Nested(ReturnImageOut))
    history = fields.List(fields.Nested(ReturnEventOut), attribute="events")
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class PeriodQuery(BaseSchema):
    """The last 7, 30 or 90 days: return statistics, and the seller dashboard, which shows them."""

    period = fields.String(
        load_default="30d",
        validate=validate.OneOf(list(PERIODS)),
        metadata={"description": "The last 7, 30 or 90 days"},
    )


def _counts(names: list[str], what: str) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(validate=validate.OneOf(names)),
        values=fields.Integer(),
        metadata={"description": f"Returns by {what}: every {what} named, zero included"},
    )


class ReturnStatsOut(OutSchema):
    period = fields.String()
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()
    returns = fields.Integer(metadata={"description": "Returns asked for in the period"})
    by_status = _counts(STATUSES, "status")
    by_reason = _counts(REASONS, "reason")
    units_returned = fields.Integer(metadata={"description": "In returns of the period not rejected or cancelled"})
    units_sold = fields.Integer(metadata={"description": "In orders of the period not cancelled"})
    return_rate = DecimalString(
        4,
        allow_none=True,
        metadata={
            "description": "units_returned / units_sold to 4 places; null when nothing was sold",
            "example": "0.0500",
        },
    )
