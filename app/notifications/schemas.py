"""Request and response schemas of notifications."""

from __future__ import annotations

from marshmallow import fields, validate

from app.common.schemas import OutSchema, PageMetaOut, PaginationQuery
from app.notifications.inbox import Kind


class NotificationQuery(PaginationQuery):
    unread = fields.Boolean(metadata={"description": "Only the unread ones"})


class NotificationOut(OutSchema):
    id = fields.Integer()
    kind = fields.String(validate=validate.OneOf([kind.value for kind in Kind]))
    title = fields.String()
    body = fields.String(metadata={"description": "Plain text"})
    subject_type = fields.String(
        allow_none=True,
        validate=validate.OneOf(["order", "return", "payment", "seller_account", "terms", "seller_order"]),
        metadata={"description": "What it is about"},
    )
    subject_id = fields.Integer(allow_none=True)
    read_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class NotificationMetaOut(PageMetaOut):
    unread_count = fields.Integer(required=True, metadata={"description": "Unread notifications in all"})


class NotificationPageOut(OutSchema):
    items = fields.List(fields.Nested(NotificationOut), required=True)
    meta = fields.Nested(NotificationMetaOut, required=True)


class ReadAllOut(OutSchema):
    marked = fields.Integer(metadata={"description": "How many were unread"})
