"""Questions and answers on the wire."""

from __future__ import annotations

from marshmallow import fields, validate

from app.common.fields import Trimmed
from app.common.schemas import BaseSchema, OutSchema, PaginationQuery


class QuestionQuery(PaginationQuery):
    sort = fields.String(
        load_default="answered",
        validate=validate.OneOf(["answered", "newest"]),
        metadata={"description": "answered: answered ones first (newest answer first), then the newest"},
    )


class QuestionIn(BaseSchema):
    body = Trimmed(required=True, validate=validate.Length(min=3, max=1000), metadata={"description": "Plain text"})


class AnswerIn(BaseSchema):
    body = Trimmed(required=True, validate=validate.Length(min=1, max=2000), metadata={"description": "Plain text"})


class HideIn(BaseSchema):
    reason = Trimmed(required=True, validate=validate.Length(min=3, max=300))


class AnswerOut(OutSchema):
    id = fields.Integer(required=True)
    by = fields.String(required=True, metadata={"description": "seller (the product's) or staff"})
    body = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)


class QuestionOut(OutSchema):
    id = fields.Integer(required=True)
    product_id = fields.Integer(required=True)
    author = fields.String(required=True, metadata={"description": "Their username, or first name and initial"})
    body = fields.String(required=True)
    helpful = fields.Integer(required=True, metadata={"description": "Customers who found it helpful"})
    answered_at = fields.AwareDateTime(allow_none=True)
    answers = fields.List(fields.Nested(AnswerOut), required=True)
    created_at = fields.AwareDateTime(required=True)


class HiddenQuestionOut(QuestionOut):
    hidden = fields.Boolean(required=True)
    hidden_reason = fields.String(allow_none=True)
