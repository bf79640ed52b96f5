"""Base schemas shared by every domain: input rejects unknown fields, errors, pages."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate

PROBLEM_MIMETYPE = "application/problem+json"


class BaseSchema(Schema):
    """Input schemas reject unknown fields, so nothing is mass-assigned by accident, and NUL
    characters anywhere in the input (PostgreSQL text cannot hold them: a 500 otherwise)."""

    class Meta:
        unknown = RAISE

    @pre_load(pass_collection=True)
    def refuse_nul_characters(self, data: Any, **_: Any) -> Any:
        if isinstance(data, Mapping):
            bad = {key: ["Must not contain NUL characters."] for key, value in data.items() if _has_nul(value)}
            if bad:
                raise ValidationError(bad)
        return data


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(_has_nul(item) for item in value)
    return False


class PatchSchema(BaseSchema):
    """Mixed into an input schema for PATCH: every field optional, only what is sent changes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class RenamePatchSchema(PatchSchema):
    """PATCH of something with a slug: the slug stays on rename unless asked."""

    regenerate_slug = fields.Boolean(metadata={"description": "Make a new slug from the (new) name"})


class FileUploadIn(BaseSchema):
    """A multipart body holding one image file (`location="multipart"`)."""

    file = fields.Raw(
        required=True, metadata={"type": "string", "format": "binary", "description": "JPEG, PNG or WebP"}
    )


class OutSchema(Schema):
    """Base of every response schema.

    Dumping writes every field, so the OpenAPI document lists them all as `required` (but those
    named in `Meta.optional`): generated clients then type them as always present. Responses
    may gain fields later, so the document does not forbid unknown ones (no
    `additionalProperties: false`, which marshmallow's default `unknown=RAISE` would write).
    """

    class Meta:
        unknown = EXCLUDE
        optional: tuple[str, ...] = ()


class ProblemOut(OutSchema):
    """RFC 9457 problem details, as every error is returned. Clients must ignore members they do
    not know (RFC 9457, 3.1): some problems add their own (`available`, `allowed`...)."""

    class Meta(OutSchema.Meta):
        optional = ("errors", "request_id")

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


class PageMetaOut(OutSchema):
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True)
    pages = fields.Integer(required=True)


@cache
def page_of(item_schema: type[Schema]) -> type[OutSchema]:
    """The paginated list schema `{"items": [...], "meta": {...}}` for an item schema."""
    name = item_schema.__name__.removesuffix("Out") + "PageOut"
    return type(
        name,
        (OutSchema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "meta": fields.Nested(PageMetaOut, required=True),
        },
    )
