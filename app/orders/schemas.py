"""Request and response schemas of delivery zones, checkout and orders."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, post_load, validate, validates, validates_schema

from app.common.fields import Trimmed
from app.common.money import MoneyField
from app.common.schemas import BaseSchema, OutSchema, PaginationQuery
from app.orders.status import ActorKind, OrderStatus, PaymentMethod
from app.users.counties import KENYAN_COUNTIES, canonical_county

STATUSES = [status.value for status in OrderStatus]
METHODS = [method.value for method in PaymentMethod]


def _county_list(**kwargs: Any) -> fields.List:
    return fields.List(
        Trimmed(validate=validate.Length(min=1, max=40)),
        validate=validate.Length(min=1, max=47),
        metadata={"description": "Counties covered (of Kenya's 47)", "example": ["Nairobi", "Kiambu"]},
        **kwargs,
    )


def _town_list(**kwargs: Any) -> fields.List:
    return fields.List(
        Trimmed(validate=validate.Length(min=1, max=80)),
        validate=validate.Length(max=200),
        metadata={"description": "When given, only these towns of the counties (case-insensitive)"},
        **kwargs,
    )


class _ZoneRules(BaseSchema):
    @validates("counties")
    def known_counties(self, value: list[str], **_: Any) -> None:
        unknown = [name for name in value if name.lower() not in KENYAN_COUNTIES]
        if unknown:
            raise ValidationError(f"Not Kenyan counties: {', '.join(unknown)}.")

    @post_load
    def canonical(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "counties" in data:
            data["counties"] = [canonical_county(name) for name in data["counties"]]
        return data

    @validates_schema
    def days_in_order(self, data: dict[str, Any], **_: Any) -> None:
        if "days_min" in data and "days_max" in data and data["days_max"] < data["days_min"]:
            raise ValidationError("Must not be less than days_min.", "days_max")


class DeliveryZoneIn(_ZoneRules):
    name = Trimmed(required=True, validate=validate.Length(min=1, max=80), metadata={"example": "Nairobi Metro"})
    counties = _county_list(required=True)
    towns = _town_list(load_default=list)
    fee = MoneyField(required=True, positive=False, metadata={"example": "250.00"})
    free_over = MoneyField(
        allow_none=True, load_default=None, metadata={"description": "Free delivery from this subtotal up"}
    )
    days_min = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=60))
    days_max = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=60))
    is_active = fields.Boolean(load_default=True)


class DeliveryZonePatch(_ZoneRules):
    name = Trimmed(validate=validate.Length(min=1, max=80))
    counties = _county_list()
    towns = _town_list()
    fee = MoneyField(positive=False)
    free_over = MoneyField(allow_none=True)
    days_min = fields.Integer(strict=True, validate=validate.Range(min=0, max=60))
    days_max = fields.Integer(strict=True, validate=validate.Range(min=0, max=60))
    is_active = fields.Boolean()


class DeliveryZoneOut(OutSchema):
    id = fields.Integer()
    name = fields.String()
    counties = fields.List(fields.String())
    towns = fields.List(fields.String())
    fee = MoneyField(positive=False)
    free_over = MoneyField(allow_none=True)
    days_min = fields.Integer()
    days_max = fields.Integer()
    is_active = fields.Boolean()


class QuoteIn(BaseSchema):
    address_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    county = Trimmed(validate=validate.Length(min=1, max=40))
    town = Trimmed(validate=validate.Length(min=1, max=80))
    subtotal = MoneyField(
        positive=False,
        metadata={"description": "For the free-delivery threshold; the caller's cart's subtotal when omitted"},
    )
    delivery_zone_id = fields.Integer(strict=True, validate=validate.Range(min=1, max=2**31 - 1))

    @validates_schema
    def one_place(self, data: dict[str, Any], **_: Any) -> None:
        by_address = "address_id" in data
        by_place = "county" in data or "town" in data
        if by_address == by_place:
            raise ValidationError("Send either address_id, or county and town.", "address_id")
        if by_place and not ("county" in data and "town" in data):
            raise ValidationError("Send both county and town.", "town" if "county" in data else "county")
        if "county" in data and data["county"].lower() not in KENYAN_COUNTIES:
            raise ValidationError("Not a Kenyan county.", "county")

    @post_load
    def canonical(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "county" in data:
            data["county"] = canonical_county(data["county"])
        return data


class QuoteOut(OutSchema):
    zone = fields.Nested(DeliveryZoneOut)
    fee = MoneyField(positive=False)
    free_delivery = fields.Boolean(metadata={"description": "The subtotal reached the zone's free-delivery threshold"})
    currency = fields.String()
    subtotal = MoneyField(
        positive=False, allow_none=True, metadata={"description": "The subtotal quoted for (sent, or the cart's)"}
    )
    days_min = fields.Integer(attribute="zone.days_min")
    days_max = fields.Integer(attribute="zone.days_max")


class CheckoutIn(BaseSchema):
    address_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    delivery_zone_id = fields.Integer(
        strict=True,
        validate=validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "Optional: derived from the address when omitted; must cover it"},
    )
    payment_method = fields.String(required=True, validate=validate.OneOf(METHODS))
    wallet_amount = MoneyField(
        positive=False,
        metadata={
            "description": "Pay this much of the order from my wallet (held now), the method the rest; "
            "`payment_method: wallet` pays it all"
        },
    )
    notes = Trimmed(allow_none=True, validate=validate.Length(max=500), metadata={"description": "For the courier"})


class OrderLineOut(OutSchema):
    id = fields.Integer(metadata={"description": "The line's id: a return names the lines it sends back by it"})
    product_id = fields.Integer()
    name = fields.String()
    sku = fields.String()
    unit_price = MoneyField()
    quantity = fields.Integer()
    line_total = MoneyField()
    cancelled_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "Set when its seller could not deliver it: not due, refunded if paid"},
    )


class ShippingAddressOut(OutSchema):
    label = fields.String()
    recipient = fields.String()
    phone = fields.String()
    county = fields.String()
    town = fields.String()
    street = fields.String()
    postal_code = fields.String(allow_none=True)


class OrderZoneOut(OutSchema):
    id = fields.Integer()
    name = fields.String()
    fee = MoneyField(positive=False)
    days_min = fields.Integer()
    days_max = fields.Integer()


class OrderEventOut(OutSchema):
    from_status = fields.String(allow_none=True, validate=validate.OneOf(STATUSES))
    to_status = fields.String(validate=validate.OneOf(STATUSES))
    actor_kind = fields.String(validate=validate.OneOf([kind.value for kind in ActorKind]))
    actor_id = fields.Integer(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class OrderOut(OutSchema):
    id = fields.Integer()
    reference = fields.String(metadata={"example": "DK7F3K9QXM"})
    status = fields.String(validate=validate.OneOf(STATUSES))
    payment_method = fields.String(validate=validate.OneOf(METHODS))
    lines = fields.List(fields.Nested(OrderLineOut))
    subtotal = MoneyField()
    delivery_fee = MoneyField(positive=False)
    total = MoneyField()
    wallet_amount = MoneyField(positive=False, metadata={"description": "Of the total, paid from the wallet"})
    currency = fields.String()
    shipping_address = fields.Nested(ShippingAddressOut)
    delivery_zone = fields.Nested(OrderZoneOut)
    notes = fields.String(allow_none=True)
    customer_id = fields.Integer(attribute="user_id")
    payment_due_at = fields.AwareDateTime(
        allow_none=True,
        metadata={
            "description": "Unpaid by then (for cash on delivery: not confirmed by then), the order is cancelled"
        },
    )
    paid_at = fields.AwareDateTime(allow_none=True)
    history = fields.List(fields.Nested(OrderEventOut), attribute="events")
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class OrderQuery(PaginationQuery):
    status = fields.List(
        fields.String(validate=validate.OneOf(STATUSES)),
        validate=validate.Length(max=len(STATUSES)),
        metadata={"description": "Repeatable"},
    )
    created_from = fields.AwareDateTime(metadata={"description": "Created at or after (ISO 8601 with offset)"})
    created_to = fields.AwareDateTime(metadata={"description": "Created before"})
    reference = Trimmed(validate=validate.Length(min=1, max=12))
    customer_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), metadata={"description": "Admins only"})


class CancelIn(BaseSchema):
    reason = Trimmed(allow_none=True, validate=validate.Length(max=500))


class StatusChangeIn(BaseSchema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    note = Trimmed(allow_none=True, validate=validate.Length(max=500))


CHECKOUT_EXAMPLE = {"address_id": 7, "payment_method": "mpesa", "notes": "Call on arrival"}
ZONE_EXAMPLE = {
    "name": "Nairobi Metro",
    "counties": ["Nairobi"],
    "towns": [],
    "fee": "250.00",
    "free_over": "5000.00",
    "days_min": 1,
    "days_max": 2,
}
