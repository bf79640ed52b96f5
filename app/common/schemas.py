"""Base schemas shared by every domain: input rejects unknown fields, errors, pages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, pre_load, validate, validates_schema
from werkzeug.datastructures import FileStorage

from app.common import dumping

PROBLEM_MIMETYPE = "application/problem+json"


class BaseSchema(Schema):
    """Input schemas reject unknown fields, so nothing is mass-assigned by accident; text that
    PostgreSQL or UTF-8 cannot hold anywhere in the input (NUL characters, lone surrogates such
    as a JSON "\\ud800": a 500 otherwise); and, in JSON bodies, booleans that are not true or
    false (`0` and `1` are numbers there; query strings and forms still say "true")."""

    class Meta:
        unknown = RAISE

    @pre_load(pass_collection=True)
    def refuse_unstorable_text_and_loose_booleans(self, data: Any, **_: Any) -> Any:
        if not isinstance(data, Mapping):
            return data
        bad: dict[str, list[str]] = {}
        for key, value in data.items():
            problem = _unstorable(key) or _unstorable(value)
            if problem:
                bad[str(key) if not _unstorable(key) else "_schema"] = [problem]
        if type(data) is dict:  # a JSON body (query strings and forms arrive as MultiDicts)
            for name, field in self.load_fields.items():
                key = field.data_key or name
                if isinstance(field, fields.Boolean) and key in data and not isinstance(data[key], bool):
                    bad.setdefault(key, ["Not a valid boolean: send true or false."])
        if bad:
            raise ValidationError(bad)
        return data


class HeadersSchema(BaseSchema):
    """Request headers a route reads (`location="headers"`, one field per header, named by its
    `data_key`): every other header (Host, User-Agent...) is none of the schema's business."""

    class Meta:
        unknown = EXCLUDE


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(value: Any) -> str | None:
    """Why `value` (or anything inside it) cannot be stored as text, or None."""
    if isinstance(value, str):
        found = _UNSTORABLE.search(value)
        if found is None:
            return None
        return "Must not contain NUL characters." if found.group() == "\x00" else "Must be valid Unicode text."
    if isinstance(value, Mapping):
        return next((p for p in (_unstorable(x) for kv in value.items() for x in kv) if p), None)
    if isinstance(value, (list, tuple)):
        return next((p for p in (_unstorable(item) for item in value) if p), None)
    return None


class PatchSchema(BaseSchema):
    """Mixed into an input schema for PATCH: every field optional, only what is sent changes."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)


class RenamePatchSchema(PatchSchema):
    """PATCH of something with a slug: the slug stays on rename unless asked."""

    regenerate_slug = fields.Boolean(metadata={"description": "Make a new slug from the (new) name"})


class UploadedFile(fields.Field):
    """A file part of a multipart body (a FileStorage); a plain text field of that name is 422."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> FileStorage:
        if not isinstance(value, FileStorage):
            raise ValidationError("Send a file here (a file part of the multipart body).")
        return value


class FileUploadIn(BaseSchema):
    """A multipart body holding one image file (`location="multipart"`)."""

    file = UploadedFile(
        required=True, metadata={"type": "string", "format": "binary", "description": "JPEG, PNG or WebP"}
    )


class SignedLinkQuery(BaseSchema):
    """The query of a signed link to a private file (app/common/storage.py: sign_link)."""

    expires = fields.Integer(
        required=True, validate=validate.Range(min=0, max=2**40), metadata={"description": "From the signed link"}
    )
    signature = fields.String(
        required=True,
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{43}$"),
        metadata={"description": "From the signed link"},
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

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        """As marshmallow's, by a plan made once for this schema (app/common/dumping.py)."""
        many = self.many if many is None else bool(many)
        plan = self._plan_of()
        if plan is None or obj is None:
            return super().dump(obj, many=many)
        result = [plan(each) for each in obj] if many else plan(obj)
        if dumping.CROSSCHECK:
            dumping.crosscheck(self, result, super().dump(obj, many=many))
        return result

    def _plan_of(self) -> dumping.Plan | None:
        """This schema's plan, made on first use (None: marshmallow's own path)."""
        plan = self.__dict__.get("_plan", False)
        if plan is False:
            plan = self.__dict__["_plan"] = dumping.plan_for(self)
        return plan


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


# Days a period may name: any a shop has (year 9999 would overflow the day after it).
_DAYS = validate.Range(min=date(2000, 1, 1), max=date(2999, 12, 31), error="A day from 2000-01-01 to 2999-12-31.")


class DayRangeQuery(BaseSchema):
    """A period of days (UTC, both included): `from` and `to`, either left open."""

    since = fields.Date(data_key="from", validate=_DAYS, metadata={"description": "First day (UTC), included"})
    until = fields.Date(data_key="to", validate=_DAYS, metadata={"description": "Last day (UTC), included"})

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise ValidationError("Must not be before `from`.", "to")


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
