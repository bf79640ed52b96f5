"""Schemas of categories, brands, products and the product listing."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from app.catalog.models import CONDITIONS
from app.catalog.services.listing import SORTS
from app.common.fields import Trimmed
from app.common.money import MoneyField
from app.common.schemas import (
    BaseSchema,
    PageMetaSchema,
    PaginationQuery,
    RenamePatchSchema,
)
from app.common.storage import media_url
from app.users.schemas import UserRefSchema

Name = lambda **kw: Trimmed(validate=validate.Length(min=1, max=120), **kw)  # noqa: E731


# Categories --------------------------------------------------------------------------------------


class CategoryNodeSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    description = fields.String(allow_none=True)
    image_url = fields.String(allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    is_active = fields.Boolean()
    children = fields.List(fields.Nested(lambda: CategoryNodeSchema()))


class CategorySchema(Schema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    description = fields.String(allow_none=True)
    image_url = fields.Function(lambda category: media_url(category.image_path), allow_none=True)
    parent_id = fields.Integer(allow_none=True)
    is_active = fields.Boolean()
    is_visible = fields.Boolean(metadata={"description": "Active and every parent active: shown to the public"})
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class CategoryInSchema(BaseSchema):
    name = Name(required=True)
    parent_id = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=2**31 - 1))
    description = Trimmed(allow_none=True, validate=validate.Length(max=5000))
    is_active = fields.Boolean()


class CategoryPatchSchema(RenamePatchSchema, CategoryInSchema):
    pass


# Brands ------------------------------------------------------------------------------------------


class BrandSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    description = fields.String(allow_none=True)
    logo_url = fields.Function(lambda brand: media_url(brand.logo_path), allow_none=True)


class BrandInSchema(BaseSchema):
    name = Name(required=True)
    description = Trimmed(allow_none=True, validate=validate.Length(max=5000))


class BrandPatchSchema(RenamePatchSchema, BrandInSchema):
    pass


# Products ----------------------------------------------------------------------------------------


class ImageSchema(Schema):
    id = fields.Integer()
    url = fields.Function(lambda image: media_url(image.path))
    thumbnail_url = fields.Function(lambda image: media_url(image.thumbnail_path))
    alt = fields.String()
    position = fields.Integer()
    is_primary = fields.Boolean()


class ImageUploadSchema(BaseSchema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ImageFormSchema(BaseSchema):
    alt = Trimmed(load_default="", validate=validate.Length(max=200))


class ImagePatchSchema(BaseSchema):
    alt = Trimmed(validate=validate.Length(max=200))
    position = fields.Integer(validate=validate.Range(min=0, max=1000))
    is_primary = fields.Boolean(validate=validate.Equal(True, error="Make another image primary instead."))


class RefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    slug = fields.String()


class CardImageSchema(Schema):
    url = fields.Function(lambda image: media_url(image.path))
    thumbnail_url = fields.Function(lambda image: media_url(image.thumbnail_path))
    alt = fields.String()


class ProductCardSchema(Schema):
    """A product as a listing shows it; GET /products/{id} has the rest (description, gallery...)."""

    id = fields.Integer()
    name = fields.String()
    slug = fields.String()
    price = MoneyField()
    compare_at_price = MoneyField(allow_none=True)
    currency = fields.String()
    in_stock = fields.Function(lambda product: product.stock > 0)
    condition = fields.String()
    category = fields.Nested(RefSchema)
    brand = fields.Nested(RefSchema, allow_none=True)
    image = fields.Nested(CardImageSchema, attribute="primary_image", allow_none=True,
                          metadata={"description": "The primary image, or null"})
    rating_average = fields.Decimal(places=2, as_string=True, metadata={"type": "string", "example": "4.50"})
    rating_count = fields.Integer()


class ProductSchema(ProductCardSchema):
    """A product as its page and its owner see it: the card's fields and the rest."""

    class Meta:
        exclude = ("image",)  # `images` holds them all, the primary one marked

    description = fields.String()
    sku = fields.String()
    stock = fields.Integer()
    specifications = fields.Dict(keys=fields.String(), values=fields.String())
    is_active = fields.Boolean()
    supplier = fields.Nested(UserRefSchema)
    images = fields.List(fields.Nested(ImageSchema))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


Specifications = lambda **kw: fields.Dict(  # noqa: E731
    keys=fields.String(validate=validate.Length(min=1, max=60)),
    values=fields.String(validate=validate.Length(max=500)),
    validate=validate.Length(max=50),
    metadata={"example": {"Screen": "6.5 in", "Battery": "5000 mAh"}},
    **kw,
)


class ProductInSchema(BaseSchema):
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
    is_active = fields.Boolean(load_default=True)

    @validates_schema
    def compare_at_not_below_price(self, data: dict[str, Any], **_: Any) -> None:
        price, compare_at = data.get("price"), data.get("compare_at_price")
        if price is not None and compare_at is not None and compare_at < price:
            raise ValidationError("Must be at least the price.", "compare_at_price")


class ProductPatchSchema(RenamePatchSchema, ProductInSchema):
    pass


class ProductListQuery(PaginationQuery):
    q = Trimmed(validate=validate.Length(min=1, max=200), metadata={"description": "Search words"})
    category = fields.String(validate=validate.Length(max=140), metadata={"description": "Category slug (with descendants)"})
    brand = fields.List(fields.String(validate=validate.Length(max=140)), metadata={"description": "Brand slug; repeatable"})
    min_price = MoneyField(positive=False)
    max_price = MoneyField(positive=False)
    in_stock = fields.Boolean()
    condition = fields.String(validate=validate.OneOf(CONDITIONS))
    supplier = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1), metadata={"description": "Supplier id"})
    sort = fields.String(validate=validate.OneOf(SORTS), metadata={"description": "Default: relevance with q, else newest"})

    @validates_schema
    def price_bounds(self, data: dict[str, Any], **_: Any) -> None:
        low, high = data.get("min_price"), data.get("max_price")
        if low is not None and high is not None and low > high:
            raise ValidationError("Must not be above max_price.", "min_price")


class FacetValueSchema(RefSchema):
    count = fields.Integer()


class ConditionFacetSchema(Schema):
    value = fields.String()
    count = fields.Integer()


class PriceRangeSchema(Schema):
    min = MoneyField(allow_none=True)
    max = MoneyField(allow_none=True)


class FacetsSchema(Schema):
    categories = fields.List(fields.Nested(FacetValueSchema))
    brands = fields.List(fields.Nested(FacetValueSchema))
    condition = fields.List(fields.Nested(ConditionFacetSchema))
    price_range = fields.Nested(PriceRangeSchema)


class ProductPageSchema(Schema):
    items = fields.List(fields.Nested(ProductCardSchema), required=True)
    meta = fields.Nested(PageMetaSchema, required=True)
    facets = fields.Nested(FacetsSchema, required=True)
