"""Request and response schemas of reviews."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from app.common.fields import DecimalString, Trimmed
from app.common.schemas import BaseSchema, OutSchema, PageMetaOut, PaginationQuery

SORTS = ("newest", "rating", "-rating")
Rating = lambda **kw: fields.Integer(strict=True, validate=validate.Range(min=1, max=5), **kw)
Title = lambda **kw: Trimmed(validate=validate.Length(min=1, max=120), allow_none=True, **kw)
Body = lambda **kw: Trimmed(validate=validate.Length(min=1, max=5000), allow_none=True, **kw)


class ReviewIn(BaseSchema):
    rating = Rating(required=True, metadata={"description": "1 to 5 stars"})
    title = Title(metadata={"description": "Plain text, at most 120 characters"})
    body = Body(metadata={"description": "Plain text, at most 5,000 characters; markup is not interpreted"})


class ReviewPatchIn(BaseSchema):
    rating = Rating()
    title = Title()
    body = Body()
    hidden = fields.Boolean(metadata={"description": "Admins: hide (or show again) the review"})
    reason = Trimmed(
        validate=validate.Length(min=1, max=300), metadata={"description": "Admins: why it is hidden (required)"}
    )

    @validates_schema
    def _something(self, data: dict, **_: object) -> None:
        if not data:
            raise ValidationError("Send what changes: rating, title, body, or (admins) hidden and reason.")
        if data.get("hidden") and not data.get("reason"):
            raise ValidationError({"reason": ["Say why the review is hidden."]})


class ReviewQuery(PaginationQuery):
    sort = fields.String(
        load_default="newest",
        validate=validate.OneOf(SORTS),
        metadata={"description": "newest first; rating: highest first (as the catalog's rating sort); -rating: lowest"},
    )
    rating = fields.Integer(
        validate=validate.Range(min=1, max=5), metadata={"description": "Only reviews of this many stars"}
    )


class ReviewOut(OutSchema):
    id = fields.Integer()
    product_id = fields.Integer()
    rating = fields.Integer()
    title = fields.String(allow_none=True, metadata={"description": "Plain text: escape it when rendering"})
    body = fields.String(allow_none=True, metadata={"description": "Plain text: escape it when rendering"})
    author = fields.String(
        metadata={"description": "The author's username, or first name and initial; never an email address"}
    )
    verified_purchase = fields.Boolean(
        metadata={"description": "Always true: only customers who received the product may review it"}
    )
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ReviewDetailOut(ReviewOut):
    """A review as its author and admins see it: with whether (and why) it is hidden."""

    hidden = fields.Boolean()
    hidden_reason = fields.String(allow_none=True)


class RatingSummaryOut(OutSchema):
    average = DecimalString(2, metadata={"description": "Of the visible reviews, to the cent (half up)"})
    count = fields.Integer()
    histogram = fields.Dict(
        keys=fields.String(validate=validate.OneOf(["1", "2", "3", "4", "5"])),
        values=fields.Integer(),
        metadata={"description": 'Visible reviews per star: {"1": 0, ..., "5": 12}'},
    )


class ReviewPageOut(OutSchema):
    items = fields.List(fields.Nested(ReviewOut), required=True)
    meta = fields.Nested(PageMetaOut, required=True)
    summary = fields.Nested(RatingSummaryOut, required=True)
