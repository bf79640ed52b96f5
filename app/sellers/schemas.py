"""Schemas of the sellers domain."""

from __future__ import annotations

from marshmallow import fields

from app.common.fields import DecimalString, MediaUrl
from app.common.schemas import OutSchema


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
