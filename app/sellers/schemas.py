"""Schemas of the sellers domain."""

from __future__ import annotations

from typing import Any

from flask import url_for
from marshmallow import ValidationError, fields, validate, validates_schema

from app.catalog.schemas import ProductOut, RefOut
from app.common.fields import DecimalString, EmailAddress, KenyanPhone, MediaUrl, Trimmed
from app.common.money import MoneyField
from app.common.schemas import BaseSchema, FileUploadIn, OutSchema, PaginationQuery
from app.common.storage import sign_link
from app.sellers.status import SellerKind, SellerOrderStatus, SellerStatus
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


class StoreProductQuery(PaginationQuery):
    active = fields.Boolean(metadata={"description": "Only active (true) or inactive and withheld (false) ones"})
    in_stock = fields.Boolean(metadata={"description": "Only those with stock (true) or without (false)"})
    q = Trimmed(validate=validate.Length(min=1, max=120), metadata={"description": "Name contains"})


class CommissionRateIn(BaseSchema):
    scope = fields.String(
        required=True,
        validate=validate.OneOf(["product", "category", "seller", "default"]),
        metadata={
            "description": "The most specific wins: product, then category (nearest up the tree), seller, default"
        },
    )
    target_id = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "The product, category or seller (not for the default)"},
    )
    kind = fields.String(required=True, validate=validate.OneOf(["percentage", "fixed"]))
    rate_bps = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=10_000),
        metadata={"description": "Basis points of the line total, for `percentage` (1250 = 12.5 %)"},
    )
    amount = MoneyField(positive=False, metadata={"description": "Per unit, for `fixed`"})
    min_amount = MoneyField(positive=False, allow_none=True, metadata={"description": "At least this per line"})
    max_amount = MoneyField(positive=False, allow_none=True, metadata={"description": "At most this per line"})


class CommissionRatePatch(BaseSchema):
    kind = fields.String(validate=validate.OneOf(["percentage", "fixed"]))
    rate_bps = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000))
    amount = MoneyField(positive=False)
    min_amount = MoneyField(positive=False, allow_none=True)
    max_amount = MoneyField(positive=False, allow_none=True)


class CommissionRateOut(OutSchema):
    id = fields.Integer()
    scope = fields.String()
    target_id = fields.Integer(metadata={"description": "0 for the default"})
    kind = fields.String()
    rate_bps = fields.Integer(allow_none=True)
    amount = MoneyField(positive=False, allow_none=True)
    min_amount = MoneyField(positive=False, allow_none=True)
    max_amount = MoneyField(positive=False, allow_none=True)
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ProductCommissionOut(OutSchema):
    rate = fields.Nested(CommissionRateOut, allow_none=True, metadata={"description": "The rate in effect; null: none"})
    per_unit = MoneyField(
        positive=False, metadata={"description": "What the platform keeps of one unit at today's price"}
    )


class SellerProductOut(ProductOut):
    low_stock_threshold = fields.Integer(
        allow_none=True, metadata={"description": "Mine for this product; null: the shop's default"}
    )
    commission = fields.Nested(
        ProductCommissionOut,
        metadata={"description": "The most specific rate in effect now; an order freezes its own at checkout"},
    )


class CommissionRateQuery(PaginationQuery):
    scope = fields.String(validate=validate.OneOf(["product", "category", "seller", "default"]))


class SellerOrderQuery(PaginationQuery):
    status = fields.List(
        fields.String(validate=validate.OneOf([status.value for status in SellerOrderStatus])),
        validate=validate.Length(max=len(SellerOrderStatus)),
        metadata={"description": "Repeatable"},
    )
    created_from = fields.AwareDateTime()
    created_to = fields.AwareDateTime()
    reference = Trimmed(
        validate=validate.Length(min=1, max=16), metadata={"description": "The order's or the seller order's"}
    )


class AdminSellerOrderQuery(SellerOrderQuery):
    seller_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), metadata={"description": "One seller's"})


class SellerOrderLineOut(OutSchema):
    order_line_id = fields.Integer()
    product_id = fields.Integer()
    name = fields.String()
    sku = fields.String()
    unit_price = MoneyField()
    quantity = fields.Integer()
    line_total = MoneyField()
    commission = MoneyField(positive=False, metadata={"description": "Frozen at checkout"})
    cancelled = fields.Boolean(metadata={"description": "The seller (or staff) cancelled it: not delivered, refunded"})
    returned_quantity = fields.Integer(metadata={"description": "Units returned and refunded"})
    commission_reversed = MoneyField(
        positive=False,
        metadata={"description": "Commission given back on the returned units: the frozen amount pro rata by quantity"},
    )


class DeliverToOut(OutSchema):
    recipient = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    county = fields.String(allow_none=True)
    town = fields.String(allow_none=True)


class SellerOrderEventOut(OutSchema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor_kind = fields.String(
        validate=validate.OneOf(["seller", "admin", "customer", "system"]),
        metadata={"description": "Who moved it: its seller, staff, the customer (cancelling the order), or the system"},
    )
    note = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class SellerOrderOut(OutSchema):
    id = fields.Integer()
    reference = fields.String(metadata={"description": "The order's reference and -1, -2..."})
    order_reference = fields.String()
    status = fields.String(validate=validate.OneOf([status.value for status in SellerOrderStatus]))
    payment_method = fields.String()
    lines = fields.List(fields.Nested(SellerOrderLineOut))
    subtotal = MoneyField(positive=False, metadata={"description": "Gross: what the buyer pays for these lines"})
    commission = MoneyField(positive=False, metadata={"description": "The platform's, frozen at checkout"})
    net = MoneyField(positive=False, metadata={"description": "The seller's: subtotal minus commission"})
    currency = fields.String()
    deliver_to = fields.Nested(DeliverToOut, metadata={"description": "Of the buyer, only what delivery needs"})
    courier = fields.String(allow_none=True)
    tracking_note = fields.String(allow_none=True)
    history = fields.List(fields.Nested(SellerOrderEventOut), attribute="events")
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class ShipIn(BaseSchema):
    courier = Trimmed(validate=validate.Length(min=1, max=80), metadata={"example": "G4S"})
    tracking_note = Trimmed(validate=validate.Length(min=1, max=200), metadata={"example": "Waybill 123-456"})


class StorePatch(BaseSchema):
    about = Trimmed(validate=validate.Length(max=2000), metadata={"description": "Plain text, on the store's page"})


class StoreLogoIn(FileUploadIn):
    pass


class CancelPartIn(BaseSchema):
    reason = Trimmed(
        required=True,
        validate=validate.Length(min=3, max=200),
        metadata={"description": "Told to the customer", "example": "Out of stock"},
    )


RETURN_STATUSES = ["requested", "approved", "rejected", "received", "refunded", "cancelled"]
RESPONSES = ["accept", "dispute"]


class SellerReturnQuery(PaginationQuery):
    status = fields.List(
        fields.String(validate=validate.OneOf(RETURN_STATUSES)),
        validate=validate.Length(max=len(RETURN_STATUSES)),
        metadata={"description": "The return's status; repeatable"},
    )
    answered = fields.Boolean(metadata={"description": "Whether I have accepted or disputed it"})


class SellerReturnLineOut(OutSchema):
    order_line_id = fields.Integer()
    name = fields.String()
    unit_price = MoneyField()
    quantity = fields.Integer()


class SellerReturnOut(OutSchema):
    return_id = fields.Integer()
    seller_order_id = fields.Integer()
    seller_order_reference = fields.String()
    status = fields.String(validate=validate.OneOf(RETURN_STATUSES), metadata={"description": "The return's"})
    reason = fields.String()
    details = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(SellerReturnLineOut), metadata={"description": "My lines only"})
    created_at = fields.AwareDateTime()
    respond_by = fields.AwareDateTime(metadata={"description": "Answer by then (SELLER_RETURN_RESPONSE_DAYS)"})
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    response = fields.String(allow_none=True, validate=validate.OneOf(RESPONSES))
    response_reason = fields.String(allow_none=True)
    responded_at = fields.AwareDateTime(allow_none=True)


class ReturnAnswerIn(BaseSchema):
    response = fields.String(required=True, validate=validate.OneOf(RESPONSES), metadata={"example": "dispute"})
    reason = Trimmed(
        allow_none=True,
        validate=validate.Length(min=3, max=500),
        metadata={"description": "Required to dispute", "example": "The seal is broken: it was used."},
    )

    @validates_schema
    def _dispute_says_why(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("response") == "dispute" and not data.get("reason"):
            raise ValidationError("Say why you dispute the return.", field_name="reason")


class SellerAnswerOut(OutSchema):
    seller = fields.Nested(RefOut, allow_none=True)
    seller_order_id = fields.Integer()
    respond_by = fields.AwareDateTime()
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    response = fields.String(allow_none=True, validate=validate.OneOf(RESPONSES))
    reason = fields.String(allow_none=True)
    responded_at = fields.AwareDateTime(allow_none=True)


class SalesOut(OutSchema):
    orders = fields.Integer(metadata={"description": "Seller orders placed in the period and to fulfil or further"})
    units = fields.Integer()
    gross = MoneyField(positive=False)
    commission = MoneyField(positive=False, metadata={"description": "As frozen at checkout"})
    net = MoneyField(positive=False)


class DashboardReturnsOut(OutSchema):
    returns = fields.Integer()
    units_returned = fields.Integer()
    units_sold = fields.Integer()
    return_rate = DecimalString(4, allow_none=True, metadata={"example": "0.0500"})


class RatingOut(OutSchema):
    average = DecimalString(2, metadata={"example": "4.50"})
    count = fields.Integer()


class LowStockOut(OutSchema):
    id = fields.Integer()
    name = fields.String()
    stock = fields.Integer()
    threshold = fields.Integer(metadata={"description": "The product's own, or the shop's default"})


class TopProductOut(OutSchema):
    product_id = fields.Integer()
    name = fields.String()
    units = fields.Integer()
    gross = MoneyField(positive=False)


class DashboardOut(OutSchema):
    period = fields.String()
    since = fields.AwareDateTime()
    until = fields.AwareDateTime()
    sales = fields.Nested(SalesOut)
    previous = fields.Nested(SalesOut, metadata={"description": "The same, over the period before, of equal length"})
    open = fields.Dict(
        keys=fields.String(validate=validate.OneOf(["awaiting_payment", "to_fulfil", "packed", "shipped"])),
        values=fields.Integer(),
        metadata={"description": "Open seller orders by status, now"},
    )
    returns = fields.Nested(DashboardReturnsOut)
    rating = fields.Nested(RatingOut, metadata={"description": "Over every review of my products"})
    low_stock_threshold = fields.Integer()
    low_stock = fields.List(fields.Nested(LowStockOut), metadata={"description": "Active, at most 20, fewest first"})
    top_products = fields.List(fields.Nested(TopProductOut), metadata={"description": "By units in the period, 5"})
