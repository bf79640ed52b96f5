"""`/api/v1/categories`, `/brands`, `/products`: public browsing and catalog management."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.auth.models import Role
from app.catalog.schemas import (
    LISTING_EXAMPLE,
    PRODUCT_IN_EXAMPLE,
    BrandIn,
    BrandOut,
    BrandPatch,
    CategoryIn,
    CategoryNodeOut,
    CategoryOut,
    CategoryPatch,
    FeaturedOut,
    FeatureIn,
    ImageOut,
    ImagePatch,
    ProductImageIn,
    ProductIn,
    ProductListOut,
    ProductListQuery,
    ProductOut,
    ProductPatch,
)
from app.catalog.services import categories, images, listing, managing, products
from app.common.blueprint import Blueprint
from app.common.http import conditional
from app.common.permissions import login_required
from app.common.reads import read_only
from app.common.schemas import FileUploadIn, PaginationQuery, page_of

blp = Blueprint("catalog", __name__, url_prefix="/api/v1", description="Categories, brands and products")

SELLERS = (Role.SUPPLIER, Role.ADMIN)


def _category_url(category: Any) -> str:
    return url_for("catalog.CategoryById", category_id=category.id)


def _brand_url(brand: Any) -> str:
    return url_for("catalog.BrandById", brand_id=brand.id)


def _product_url(product: Any) -> str:
    return url_for("catalog.ProductById", product_id=product.id)


def _image_url(image: Any) -> str:
    return url_for("catalog.ImageById", product_id=image.product_id, image_id=image.id)


# Categories --------------------------------------------------------------------------------------


@blp.route("/categories")
class Categories(MethodView):
    @conditional
    @blp.response(200, CategoryNodeOut(many=True))
    @blp.doc(operationId="listCategories")
    @read_only
    def get(self) -> Any:
        """The active category tree.

        A tree, not a page: root categories by name, each with its `children` to any depth.
        Categories that are inactive, or under an inactive one, are left out with their subtree.
        """
        return categories.category_tree()

    @login_required(Role.ADMIN)
    @blp.arguments(CategoryIn())
    @blp.response(201, CategoryOut, location=_category_url)
    @blp.doc(operationId="createCategory")
    def post(self, data: dict[str, Any]) -> Any:
        """Create a category (admin).

        The slug is made from the name. `parent_id` puts it under another category.
        """
        return categories.create_category(data)


@blp.get("/categories/by-slug/<slug>")
@conditional
@blp.response(200, CategoryNodeOut)
@blp.doc(operationId="getCategoryBySlug")
@read_only
def category_by_slug(slug: str) -> Any:
    """One active category with its subtree.

    404 when the category is missing or hidden (inactive, or under an inactive one).
    """
    return categories.public_category_by_slug(slug)


@blp.route("/categories/<int:category_id>")
class CategoryById(MethodView):
    @login_required(Role.ADMIN)
    @blp.arguments(CategoryPatch())
    @blp.response(200, CategoryOut)
    @blp.doc(operationId="updateCategory")
    def patch(self, data: dict[str, Any], category_id: int) -> Any:
        """Rename, move or (de)activate a category (admin).

        A category cannot move under its own subtree (422). Deactivating it hides its whole
        subtree and their products from the shop.
        """
        return categories.update_category(category_id, data)

    @login_required(Role.ADMIN)
    @blp.response(204)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(operationId="deleteCategory")
    def delete(self, category_id: int) -> None:
        """Delete an empty category (admin).

        A category still holding products or subcategories is 409 `in_use`: deactivate it instead.
        """
        categories.delete_category(category_id)


@blp.put("/categories/<int:category_id>/image")
@login_required(Role.ADMIN)
@blp.arguments(FileUploadIn(), location="multipart")
@blp.response(200, CategoryOut)
@blp.doc(operationId="setCategoryImage")
def put_category_image(data: dict[str, Any], category_id: int) -> Any:
    """Upload a category's image (admin).

    JPEG, PNG or WebP, at most 5 MB; checked by content and re-encoded. Replaces any earlier image.
    """
    return categories.set_category_image(category_id, data["file"])


# Brands ------------------------------------------------------------------------------------------


@blp.route("/brands")
class Brands(MethodView):
    @conditional
    @blp.arguments(PaginationQuery(), location="query")
    @blp.response(200, page_of(BrandOut))
    @blp.doc(operationId="listBrands")
    @read_only
    def get(self, query: dict[str, Any]) -> Any:
        """Every brand, by name.

        Paginated like every list: `?page=&per_page=`.
        """
        return categories.list_brands(query["page"], query["per_page"])

    @login_required(Role.ADMIN)
    @blp.arguments(BrandIn())
    @blp.response(201, BrandOut, location=_brand_url)
    @blp.doc(operationId="createBrand")
    def post(self, data: dict[str, Any]) -> Any:
        """Create a brand (admin).

        The slug is made from the name.
        """
        return categories.create_brand(data)


@blp.route("/brands/<int:brand_id>")
class BrandById(MethodView):
    @login_required(Role.ADMIN)
    @blp.arguments(BrandPatch())
    @blp.response(200, BrandOut)
    @blp.doc(operationId="updateBrand")
    def patch(self, data: dict[str, Any], brand_id: int) -> Any:
        """Change a brand (admin).

        The slug stays on rename unless `regenerate_slug` is true.
        """
        return categories.update_brand(brand_id, data)

    @login_required(Role.ADMIN)
    @blp.response(204)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(operationId="deleteBrand")
    def delete(self, brand_id: int) -> None:
        """Delete a brand no product carries (admin).

        A brand still on a product is 409 `in_use`.
        """
        categories.delete_brand(brand_id)


@blp.put("/brands/<int:brand_id>/logo")
@login_required(Role.ADMIN)
@blp.arguments(FileUploadIn(), location="multipart")
@blp.response(200, BrandOut)
@blp.doc(operationId="setBrandLogo")
def put_brand_logo(data: dict[str, Any], brand_id: int) -> Any:
    """Upload a brand's logo (admin).

    JPEG, PNG or WebP, at most 5 MB; checked by content and re-encoded. Replaces any earlier logo.
    """
    return categories.set_brand_logo(brand_id, data["file"])


# Products ----------------------------------------------------------------------------------------


@blp.route("/products")
class Products(MethodView):
    @conditional
    @blp.arguments(ProductListQuery(), location="query")
    @blp.response(200, ProductListOut, example=LISTING_EXAMPLE)
    @blp.doc(operationId="listProducts")
    @read_only
    def get(self, query: dict[str, Any]) -> Any:
        """Browse and search active products, with facet counts.

        Filters combine (AND); `brand` is repeatable. `q` searches name, brand, category and
        description and sorts by relevance unless `sort` says otherwise. `facets` count the
        matches per category, brand and condition, and give their price range.
        """
        return listing.list_products(query)

    @login_required(*SELLERS)
    @blp.arguments(ProductIn(), example=PRODUCT_IN_EXAMPLE)
    @blp.response(201, ProductOut, location=_product_url)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(operationId="createProduct")
    def post(self, data: dict[str, Any]) -> Any:
        """List a new product (supplier or admin).

        In the supplier's own store (403 `not_a_seller` without one), or the house seller's for an
        admin. Prices are strings with two decimals. The SKU is unique per seller (409 `sku_taken`).
        """
        return managing.create_product(current_user, data)


@blp.get("/products/by-slug/<slug>")
@conditional
@blp.response(200, ProductOut)
@blp.doc(operationId="getProductBySlug")
@read_only
def product_by_slug(slug: str) -> Any:
    """One active product by slug.

    The same body as `getProduct`; inactive or hidden products are 404.
    """
    return products.public_product(slug=slug)


@blp.put("/products/<int:product_id>/featured")
@login_required(Role.ADMIN)
@blp.arguments(FeatureIn())
@blp.response(200, FeaturedOut)
@blp.doc(operationId="featureProduct")
def feature_product(data: dict[str, Any], product_id: int) -> Any:
    """Feature a product (staff), at a position (lower first; ties newest first).

    Featured products are `GET /products?featured=true`, and come first with `sort=featured`.
    """
    return managing.set_featured(product_id, data["position"])


@blp.delete("/products/<int:product_id>/featured")
@login_required(Role.ADMIN)
@blp.response(200, FeaturedOut)
@blp.doc(operationId="unfeatureProduct")
def unfeature_product(product_id: int) -> Any:
    """Stop featuring a product (staff).

    It stays in the shop, in the usual order.
    """
    return managing.set_featured(product_id, None)


@blp.route("/products/<int:product_id>")
class ProductById(MethodView):
    @conditional
    @blp.response(200, ProductOut)
    @blp.doc(operationId="getProduct")
    @read_only
    def get(self, product_id: int) -> Any:
        """One active product.

        Its page: description, specifications, stock, every image (the primary one marked) and
        its seller. Inactive products, and those of hidden categories, are 404.
        """
        return products.public_product(product_id=product_id)

    @login_required(*SELLERS)
    @blp.arguments(ProductPatch())
    @blp.response(200, ProductOut)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(operationId="updateProduct")
    def patch(self, data: dict[str, Any], product_id: int) -> Any:
        """Change my product (its supplier, or an admin).

        Only the fields sent change. Another seller's product is 404.
        """
        return managing.update_product(current_user, product_id, data)

    @login_required(*SELLERS)
    @blp.response(204)
    @blp.doc(operationId="deactivateProduct")
    def delete(self, product_id: int) -> None:
        """Deactivate my product; it disappears from the shop.

        Products are never hard-deleted (orders point at them); an admin or the seller can
        reactivate it with `is_active: true`.
        """
        managing.deactivate_product(current_user, product_id)


@blp.post("/products/<int:product_id>/images")
@login_required(*SELLERS)
@blp.arguments(ProductImageIn(), location="multipart")
@blp.response(201, ImageOut, location=_image_url)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="addProductImage")
def add_image(data: dict[str, Any], product_id: int) -> Any:
    """Upload a product image.

    JPEG, PNG or WebP, at most 5 MB; checked by content, re-encoded and given a 400 px
    thumbnail. The first image is primary. At most 12 images (409).
    """
    return images.add_image(current_user, product_id, data["file"], data["alt"])


@blp.route("/products/<int:product_id>/images/<int:image_id>")
class ImageById(MethodView):
    @login_required(*SELLERS)
    @blp.arguments(ImagePatch())
    @blp.response(200, ImageOut)
    @blp.doc(operationId="updateProductImage")
    def patch(self, data: dict[str, Any], product_id: int, image_id: int) -> Any:
        """Change an image's alt text, position, or make it primary.

        `is_primary` takes only `true`: make another image primary to change it.
        """
        return images.update_image(current_user, product_id, image_id, data)

    @login_required(*SELLERS)
    @blp.response(204)
    @blp.doc(operationId="deleteProductImage")
    def delete(self, product_id: int, image_id: int) -> None:
        """Delete an image.

        When the primary image goes, the next one becomes primary.
        """
        images.delete_image(current_user, product_id, image_id)
