"""Base schemas shared by every domain: input rejects unknown fields, errors, pages."""
from __future__ import annotations

from functools import cache
from typing import Any

from marshmallow import RAISE, Schema, fields, validate


class BaseSchema(Schema):
    """Input schemas reject unknown fields, so nothing is mass-assigned by accident."""

    class Meta:
        unknown = RAISE


class PatchSchema(BaseSchema):
    """Mixed into an input schema for PATCH: every field optional, only what is sent changes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class RenamePatchSchema(PatchSchema):
    """PATCH of something with a slug: the slug stays on rename unless asked."""

    regenerate_slug = fields.Boolean(metadata={"description": "Make a new slug from the (new) name"})


class ProblemSchema(Schema):
    """RFC 9457 problem details, as every error is returned."""

    type = fields.String(required=True, metadata={"example": "urn:duka:problem:validation_error"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "Stable machine-readable error word"})
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(), metadata={"description": "Messages by field"})
    request_id = fields.String()


class PaginationQuery(BaseSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PageMetaSchema(Schema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


@cache
def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The paginated list schema `{"items": [...], "meta": {...}}` for an item schema."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "meta": fields.Nested(PageMetaSchema, required=True),
        },
    )
