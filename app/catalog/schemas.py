"""Schemas of categories, brands, products and the product listing."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from app.catalog.models import CONDITIONS, SORTS
from app.common.fields import DecimalString, MediaUrl, Trimmed
from app.common.money import MoneyField
from app.common.schemas import (
    BaseSchema,
    FileUploadIn,
    OutSchema,
    PageMetaOut,
    PaginationQuery,
    RenamePatchSchema,
)

Name = lambda **kw: Trimmed(validate=validate.Length(min=1, max=120), **kw)  # noqa: E731


# Categories --------------------------------------------------------------------------------------


class CategoryNodeOut(OutSchema):
    """A category of the public tree, with its subcategories (any depth)."""

    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    description = fields.String(allow_none=True)
    image_url = fields.String(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    is_active = fields.Boolean()
    children = fields.List(fields.Nested(lambda: CategoryNodeOut()))


class CategoryOut(OutSchema):
    """A category as its admin sees it."""

    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    description = fields.String(allow_none=True)
    image_url = MediaUrl(attribute="image_path")
    parent_id = fields.Integer(allow_none=True)
    is_active = fields.Boolean()
    is_visible = fields.Boolean(metadata={"description": "Active and every parent active: shown to the public"})
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class CategoryIn(BaseSchema):
    name = Name(required=True)
    parent_id = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    description = Trimmed(allow_none=True, validate=validate.Length(max=5000))
    is_active = fields.Boolean()


class CategoryPatch(RenamePatchSchema, CategoryIn):
    pass


# Brands ------------------------------------------------------------------------------------------


class BrandOut(OutSchema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    description = fields.String(allow_none=True)
    logo_url = MediaUrl(attribute="logo_path")


class BrandIn(BaseSchema):
    name = Name(required=True)
    description = Trimmed(allow_none=True, validate=validate.Length(max=5000))


class BrandPatch(RenamePatchSchema, BrandIn):
    pass


# Products ----------------------------------------------------------------------------------------


class ImageOut(OutSchema):
    id = fields.Integer()
    url = MediaUrl(attribute="path", allow_none=False)
    thumbnail_url = MediaUrl(attribute="thumbnail_path", allow_none=False)
    alt = fields.String()
    position = fields.Integer()
    is_primary = fields.Boolean()


class ProductImageIn(FileUploadIn):
    alt = Trimmed(
        load_default="", validate=validate.Length(max=200), metadata={"description": "Text for screen readers"}
    )


class ImagePatch(BaseSchema):
    alt = Trimmed(validate=validate.Length(max=200))
    position = fields.Integer(validate=validate.Range(min=0, max=1000))
    is_primary = fields.Boolean(validate=validate.Equal(True, error="Make another image primary instead."))


class RefOut(OutSchema):
    """A category, brand or seller as a card names it."""

    id = fields.Integer()
    name = fields.String()
    slug = fields.String()


class CardImageOut(OutSchema):
    url = MediaUrl(attribute="path", allow_none=False)
    thumbnail_url = MediaUrl(attribute="thumbnail_path", allow_none=False)
    alt = fields.String()


class ProductCardOut(OutSchema):
    """A product as a listing shows it; GET /products/{id} has the rest (description, gallery...)."""

    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    price = MoneyField()
    compare_at_price = MoneyField(allow_none=True)
    currency = fields.String()
    in_stock = fields.Boolean()
    condition = fields.String(validate=validate.OneOf(CONDITIONS))
    category = fields.Nested(RefOut)
    brand = fields.Nested(RefOut, allow_none=True)
    seller = fields.Nested(RefOut, metadata={"description": "Who sells it: its store page is GET /sellers/{slug}"})
    image = fields.Nested(
        CardImageOut, attribute="primary_image", allow_none=True, metadata={"description": "The primary image, or null"}
    )
    rating_average = DecimalString(2, metadata={"example": "4.50"})
    rating_count = fields.Integer()


class ProductOut(ProductCardOut):
    """A product as its page and its owner see it: the card's fields and the rest."""

    class Meta(ProductCardOut.Meta):
        exclude = ("image",)  # `images` holds them all, the primary one marked

    description = fields.String()
    sku = fields.String()
    stock = fields.Integer()
    specifications = fields.Dict(keys=fields.String(), values=fields.String())
    warranty = fields.String(allow_none=True, metadata={"description": "The seller's warranty, if any"})
    is_active = fields.Boolean()
    images = fields.List(fields.Nested(ImageOut))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    answered_questions = fields.Integer(
        metadata={"description": "Questions about it answered by its seller or staff (GET /products/{id}/questions)"}
    )


Specifications = lambda **kw: fields.Dict(  # noqa: E731
    keys=fields.String(validate=validate.Length(min=1, max=60)),
    values=fields.String(validate=validate.Length(max=500)),
    validate=validate.Length(max=50),
    metadata={"example": {"Screen": "6.5 in", "Battery": "5000 mAh"}},
    **kw,
)


class ProductIn(BaseSchema):
    name = Trimmed(required=True, validate=validate.Length(min=1, max=200))
    description = Trimmed(load_default="", validate=validate.Length(max=20000))
    price = MoneyField(required=True)
    compare_at_price = MoneyField(allow_none=True)
    stock = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=1_000_000_000))
    sku = Trimmed(required=True, validate=[validate.Length(min=1, max=64), validate.Regexp(r"^[A-Za-z0-9._\-/]+$")])
    condition = fields.String(load_default="new", validate=validate.OneOf(CONDITIONS))
    category_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    brand_id = fields.Integer(allow_none=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    specifications = Specifications(load_default=dict)
    warranty = Trimmed(
        allow_none=True,
        validate=validate.Length(min=1, max=120),
        metadata={"example": "12 months, manufacturer's", "description": "Shown to buyers on the product page"},
    )
    low_stock_threshold = fields.Integer(
        allow_none=True,
        strict=True,
        validate=validate.Range(min=0, max=1_000_000),
        metadata={"description": "The seller's dashboard lists it at or under this stock (null: the shop's default)"},
    )
    is_active = fields.Boolean(load_default=True)

    @validates_schema
    def compare_at_not_below_price(self, data: dict[str, Any], **_: Any) -> None:
        price, compare_at = data.get("price"), data.get("compare_at_price")
        if price is not None and compare_at is not None and compare_at < price:
            raise ValidationError("Must be at least the price.", "compare_at_price")


class ProductPatch(RenamePatchSchema, ProductIn):
    pass


class ProductListQuery(PaginationQuery):
    q = Trimmed(validate=validate.Length(min=1, max=200), metadata={"description": "Search words"})
    category = fields.String(
        validate=validate.Length(max=140), metadata={"description": "Category slug (with descendants)"}
    )
    brand = fields.List(
        fields.String(validate=validate.Length(max=140)),
        validate=validate.Length(max=20),
        metadata={"description": "Brand slug; repeatable (at most 20)"},
    )
    min_price = MoneyField(positive=False)
    max_price = MoneyField(positive=False)
    in_stock = fields.Boolean()
    featured = fields.Boolean(metadata={"description": "Only the products staff feature"})
    condition = fields.String(validate=validate.OneOf(CONDITIONS))
    seller = fields.String(validate=validate.Length(min=1, max=140), metadata={"description": "Seller slug"})
    sort = fields.String(
        validate=validate.OneOf(SORTS),
        metadata={"description": "Default: relevance with q, else newest; featured: staff's order first"},
    )

    @validates_schema
    def price_bounds(self, data: dict[str, Any], **_: Any) -> None:
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            raise ValidationError("Must not be above max_price.", "min_price")


class FacetValueOut(RefOut):
    count = fields.Integer()


class ConditionFacetOut(OutSchema):
    value = fields.String(validate=validate.OneOf(CONDITIONS))
    count = fields.Integer()


class PriceRangeOut(OutSchema):
    min = MoneyField(allow_none=True)
    max = MoneyField(allow_none=True)


class FacetsOut(OutSchema):
    categories = fields.List(fields.Nested(FacetValueOut))
    brands = fields.List(fields.Nested(FacetValueOut))
    condition = fields.List(fields.Nested(ConditionFacetOut))
    price_range = fields.Nested(PriceRangeOut)


class ProductListOut(OutSchema):
    items = fields.List(fields.Nested(ProductCardOut), required=True)
    meta = fields.Nested(PageMetaOut, required=True)
    facets = fields.Nested(FacetsOut, required=True)


# Examples shown in the OpenAPI document (validated against their schemas by the linters in CI).

PRODUCT_IN_EXAMPLE = {
    "name": "Tecno Spark 20 Pro, 256 GB",
    "description": "6.78 in FHD+ screen, 108 MP camera, 5000 mAh battery with 33 W charging.",
    "price": "21999.00",
    "compare_at_price": "24999.00",
    "stock": 40,
    "sku": "TEC-SPARK20P-256",
    "condition": "new",
    "category_id": 3,
    "brand_id": 2,
    "specifications": {"Screen": "6.78 in", "Battery": "5000 mAh", "Storage": "256 GB"},
}

LISTING_EXAMPLE = {
    "items": [
        {
            "id": 42,
            "name": "Tecno Spark 20 Pro, 256 GB",
            "slug": "tecno-spark-20-pro-256-gb",
            "price": "21999.00",
            "compare_at_price": "24999.00",
            "currency": "KES",
            "in_stock": True,
            "condition": "new",
            "category": {"id": 3, "name": "Smartphones", "slug": "smartphones"},
            "brand": {"id": 2, "name": "Tecno", "slug": "tecno"},
            "seller": {"id": 5, "name": "Sami Electronics", "slug": "sami-electronics"},
            "image": {
                "url": "/media/products/42/3f9c0a.webp",
                "thumbnail_url": "/media/products/42/3f9c0a-thumb.webp",
                "alt": "Tecno Spark 20 Pro, front",
            },
            "rating_average": "4.50",
            "rating_count": 12,
        }
    ],
    "meta": {"page": 1, "per_page": 20, "total": 1, "pages": 1},
    "facets": {
        "categories": [{"id": 3, "name": "Smartphones", "slug": "smartphones", "count": 1}],
        "brands": [{"id": 2, "name": "Tecno", "slug": "tecno", "count": 1}],
        "condition": [{"value": "new", "count": 1}],
        "price_range": {"min": "21999.00", "max": "21999.00"},
    },
}


class FeatureIn(BaseSchema):
    position = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=10_000),
        metadata={"description": "Lower first; ties newest first"},
    )


class FeaturedOut(OutSchema):
    product_id = fields.Integer(required=True)
    featured_position = fields.Integer(allow_none=True, required=True)
