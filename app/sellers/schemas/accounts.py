"""Seller accounts and stores: applications, documents, decisions, the store page."""

from __future__ import annotations

from typing import Any

from flask import url_for
from marshmallow import fields, validate

from app.common.fields import DecimalString, EmailAddress, KenyanPhone, MediaUrl, Trimmed
from app.common.schemas import BaseSchema, FileUploadIn, OutSchema, PaginationQuery
from app.common.storage import sign_link
from app.sellers.status import SellerKind, SellerStatus
from app.users.schemas import County

SOCIAL_NETWORKS = ("website", "facebook", "instagram", "x", "tiktok", "youtube")


class StorePageOut(OutSchema):
    """A seller's public page."""

    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    about = fields.String()
    logo_url = MediaUrl(attribute="logo_path", metadata={"description": "The store's logo, or null"})
    is_house = fields.Boolean(metadata={"description": "The shop's own store"})
    member_since = fields.AwareDateTime()
    product_count = fields.Integer(metadata={"description": "Products on sale"})
    rating_average = DecimalString(2, metadata={"example": "4.50", "description": "Over every review of its products"})
    rating_count = fields.Integer()


class SellerApplicationIn(BaseSchema):
    store_name = Trimmed(required=True, validate=validate.Length(min=2, max=120), metadata={"example": "Kikapu Crafts"})
    kind = fields.String(
        required=True,
        validate=validate.OneOf([kind.value for kind in SellerKind]),
        metadata={"description": "`individual` (a maker, an artisan) or `business`"},
    )
    about = Trimmed(load_default="", validate=validate.Length(max=2000), metadata={"description": "Plain text"})
    contact_phone = KenyanPhone(required=True)
    contact_email = EmailAddress(required=True)
    pickup_county = County(
        required=True,
        metadata={"example": "Machakos", "description": "Where couriers collect: one of Kenya's 47 counties"},
    )
    pickup_town = Trimmed(required=True, validate=validate.Length(min=1, max=80))
    social_links = fields.Dict(
        keys=fields.String(validate=validate.OneOf(SOCIAL_NETWORKS)),
        values=fields.Url(schemes={"https", "http"}, validate=validate.Length(max=300)),
        load_default=dict,
        metadata={"description": f"By network: {', '.join(SOCIAL_NETWORKS)}"},
    )
    kra_pin = fields.String(
        validate=validate.Regexp(r"^[AP]\d{9}[A-Z]$", error="A KRA PIN looks like A123456789B."),
        metadata={"example": "A123456789B", "description": "Required for a business"},
    )
    registration_number = Trimmed(
        validate=validate.Length(min=2, max=40), metadata={"description": "Required for a business"}
    )


class SellerDocumentIn(FileUploadIn):
    label = Trimmed(
        load_default="",
        validate=validate.Length(max=100),
        metadata={"example": "Certificate of registration", "description": "What the photo shows"},
    )


class DecisionIn(BaseSchema):
    reason = Trimmed(
        validate=validate.Length(min=1, max=500),
        metadata={"description": "Why (required to reject or suspend; the seller is told)"},
    )


class SellerAccountQuery(PaginationQuery):
    status = fields.List(
        fields.String(validate=validate.OneOf([status.value for status in SellerStatus])),
        validate=validate.Length(max=len(SellerStatus)),
        metadata={"description": "Repeatable"},
    )
    kind = fields.String(validate=validate.OneOf([kind.value for kind in SellerKind]))
    q = Trimmed(validate=validate.Length(min=1, max=120), metadata={"description": "Store name or town contains"})


def document_link(document: Any) -> str:
    """The signed link a document is opened by (its `url`, and the `Location` of its 201)."""
    return url_for(
        "sellers.get_seller_document",
        account_id=document.account_id,
        document_id=document.id,
        **sign_link(document.path),
    )


class SellerDocumentOut(OutSchema):
    id = fields.Integer()
    label = fields.String()
    url = fields.Function(
        document_link,
        metadata={
            "type": "string",
            "format": "uri-reference",
            "description": "A signed link to the photo (no token needed) that expires; read the account again "
            "for a fresh one",
        },
    )
    created_at = fields.AwareDateTime()


class SellerEventOut(OutSchema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_kind = fields.String(validate=validate.OneOf(["admin", "seller"]))
    reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class TermsStatusOut(OutSchema):
    version_in_effect = fields.String(allow_none=True, metadata={"description": "Null before any is published"})
    accepted_version = fields.String(allow_none=True, metadata={"description": "The newest I accepted"})
    accepted = fields.Boolean(metadata={"description": "False: no product can be listed or changed until I accept"})


class SellerAccountOut(OutSchema):
    id = fields.Integer()
    user_id = fields.Integer()
    status = fields.String(validate=validate.OneOf([status.value for status in SellerStatus]))
    status_reason = fields.String(allow_none=True, metadata={"description": "Why it was rejected or suspended"})
    kind = fields.String(validate=validate.OneOf([kind.value for kind in SellerKind]))
    store_name = fields.String()
    store_id = fields.Integer(allow_none=True, metadata={"description": "The store, once approved"})
    about = fields.String()
    contact_phone = fields.String()
    contact_email = fields.String()
    pickup_county = fields.String()
    pickup_town = fields.String()
    social_links = fields.Dict(keys=fields.String(), values=fields.String())
    kra_pin = fields.String(allow_none=True)
    registration_number = fields.String(allow_none=True)
    approved_at = fields.AwareDateTime(allow_none=True)
    documents = fields.List(fields.Nested(SellerDocumentOut))
    terms = fields.Nested(
        TermsStatusOut,
        attribute="terms_status",
        allow_none=True,
        metadata={"description": "Where the seller stands with the seller terms (null in lists)"},
    )
    history = fields.List(fields.Nested(SellerEventOut), attribute="events")
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class StoreProductQuery(PaginationQuery):
    active = fields.Boolean(metadata={"description": "Only active (true) or inactive and withheld (false) ones"})
    in_stock = fields.Boolean(metadata={"description": "Only those with stock (true) or without (false)"})
    q = Trimmed(validate=validate.Length(min=1, max=120), metadata={"description": "Name contains"})


class StorePatch(BaseSchema):
    about = Trimmed(validate=validate.Length(max=2000), metadata={"description": "Plain text, on the store's page"})


class StoreLogoIn(FileUploadIn):
    pass
