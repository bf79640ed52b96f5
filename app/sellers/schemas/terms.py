"""The platform's seller terms."""

from __future__ import annotations

from marshmallow import fields, validate

from app.common.fields import Trimmed
from app.common.schemas import BaseSchema, OutSchema


class TermsIn(BaseSchema):
    version = Trimmed(
        required=True,
        validate=[
            validate.Length(min=1, max=20),
            validate.Regexp(r"^[A-Za-z0-9._-]+$", error="Letters, digits, . _ -"),
        ],
        metadata={"example": "2026.2"},
    )
    text = Trimmed(required=True, validate=validate.Length(min=1, max=100_000), metadata={"description": "Markdown"})
    effective_from = fields.AwareDateTime(metadata={"description": "When it applies; now when omitted"})


class TermsOut(OutSchema):
    version = fields.String()
    text = fields.String(metadata={"description": "Markdown"})
    published_at = fields.AwareDateTime()
    effective_from = fields.AwareDateTime()


class TermsAcceptIn(BaseSchema):
    version = Trimmed(required=True, validate=validate.Length(min=1, max=20))


class TermsAcceptanceOut(OutSchema):
    version = fields.String(attribute="terms.version")
    accepted_at = fields.AwareDateTime()
