"""`/api/v1/categories`, `/brands`, `/products`: public browsing and catalog management."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_jwt_extended import current_user

from app.catalog.schemas import (
    BrandInSchema,
    BrandPatchSchema,
    BrandSchema,
    CategoryInSchema,
    CategoryNodeSchema,
    CategoryPatchSchema,
    CategorySchema,
    ImageFormSchema,
    ImagePatchSchema,
    ImageSchema,
    ImageUploadSchema,
    ProductInSchema,
    ProductListQuery,
    ProductPageSchema,
    ProductPatchSchema,
    ProductSchema,
)
from app.catalog.services import categories, images, listing, products
from app.common.blueprint import Blueprint
from app.common.permissions import login_required
from app.common.reads import read_only

blp = Blueprint("catalog", __name__, url_prefix="/api/v1", description="Categories, brands and products")

ADMIN = "admin"
SELLERS = ("supplier", "admin")


# Categories --------------------------------------------------------------------------------------


@blp.route("/categories")
class Categories(MethodView):
    @blp.response(200, CategoryNodeSchema(many=True))
    @read_only
    def get(self) -> Any:
        """The active category tree."""
        return categories.category_tree()

    @login_required(ADMIN)
    @blp.arguments(CategoryInSchema())
    @blp.response(201, CategorySchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a category (admin)."""
        return categories.create_category(data)


@blp.get("/categories/<slug>")
@blp.response(200, CategoryNodeSchema)
@read_only
def category_by_slug(slug: str) -> Any:
    """One active category with its subtree."""
    return categories.public_category_by_slug(slug)


@blp.route("/categories/<int:category_id>")
class CategoryById(MethodView):
    @login_required(ADMIN)
    @blp.arguments(CategoryPatchSchema())
    @blp.response(200, CategorySchema)
    def patch(self, data: dict[str, Any], category_id: int) -> Any:
        """Rename, move or (de)activate a category (admin)."""
        return categories.update_category(category_id, data)

    @login_required(ADMIN)
    @blp.response(204)
    @blp.alt_response(409, response="CONFLICT")
    def delete(self, category_id: int) -> None:
        """Delete an empty category (admin)."""
        categories.delete_category(category_id)


@blp.put("/categories/<int:category_id>/image")
@login_required(ADMIN)
@blp.arguments(ImageUploadSchema(), location="files")
@blp.response(200, CategorySchema)
@blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
def put_category_image(files: dict[str, Any], category_id: int) -> Any:
    """Upload a category's image (admin; JPEG, PNG or WebP, at most 5 MB)."""
    return categories.set_category_image(category_id, files["file"])


# Brands ------------------------------------------------------------------------------------------


@blp.route("/brands")
class Brands(MethodView):
    @blp.response(200, BrandSchema(many=True))
    @read_only
    def get(self) -> Any:
        """Every brand, by name."""
        return categories.list_brands()

    @login_required(ADMIN)
    @blp.arguments(BrandInSchema())
    @blp.response(201, BrandSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Create a brand (admin)."""
        return categories.create_brand(data)


@blp.route("/brands/<int:brand_id>")
class BrandById(MethodView):
    @login_required(ADMIN)
    @blp.arguments(BrandPatchSchema())
    @blp.response(200, BrandSchema)
    def patch(self, data: dict[str, Any], brand_id: int) -> Any:
        """Change a brand (admin)."""
        return categories.update_brand(brand_id, data)

    @login_required(ADMIN)
    @blp.response(204)
    @blp.alt_response(409, response="CONFLICT")
    def delete(self, brand_id: int) -> None:
        """Delete a brand no product carries (admin)."""
        categories.delete_brand(brand_id)


@blp.put("/brands/<int:brand_id>/logo")
@login_required(ADMIN)
@blp.arguments(ImageUploadSchema(), location="files")
@blp.response(200, BrandSchema)
@blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
def put_brand_logo(files: dict[str, Any], brand_id: int) -> Any:
    """Upload a brand's logo (admin; JPEG, PNG or WebP, at most 5 MB)."""
    return categories.set_brand_logo(brand_id, files["file"])


# Products ----------------------------------------------------------------------------------------


@blp.route("/products")
class Products(MethodView):
    @blp.arguments(ProductListQuery(), location="query")
    @blp.response(200, ProductPageSchema)
    @read_only
    def get(self, query: dict[str, Any]) -> Any:
        """Browse and search active products, with facet counts."""
        return listing.list_products(query)

    @login_required(*SELLERS)
    @blp.arguments(ProductInSchema())
    @blp.response(201, ProductSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data: dict[str, Any]) -> Any:
        """List a new product (supplier or admin)."""
        return products.create_product(current_user, data)


@blp.get("/products/by-slug/<slug>")
@blp.response(200, ProductSchema)
@read_only
def product_by_slug(slug: str) -> Any:
    """One active product by slug."""
    return products.public_product(slug=slug)


@blp.route("/products/<int:product_id>")
class ProductById(MethodView):
    @blp.response(200, ProductSchema)
    @read_only
    def get(self, product_id: int) -> Any:
        """One active product."""
        return products.public_product(product_id=product_id)

    @login_required(*SELLERS)
    @blp.arguments(ProductPatchSchema())
    @blp.response(200, ProductSchema)
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, data: dict[str, Any], product_id: int) -> Any:
        """Change my product (its supplier, or an admin)."""
        return products.update_product(current_user, product_id, data)

    @login_required(*SELLERS)
    @blp.response(204)
    def delete(self, product_id: int) -> None:
        """Deactivate my product; it disappears from the shop."""
        products.deactivate_product(current_user, product_id)


@blp.post("/products/<int:product_id>/images")
@login_required(*SELLERS)
@blp.arguments(ImageUploadSchema(), location="files")
@blp.arguments(ImageFormSchema(), location="form")
@blp.response(201, ImageSchema)
@blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
def add_image(files: dict[str, Any], form: dict[str, Any], product_id: int) -> Any:
    """Upload a product image (JPEG, PNG or WebP, at most 5 MB); a thumbnail is made."""
    return images.add_image(current_user, product_id, files["file"], form.get("alt", ""))


@blp.route("/products/<int:product_id>/images/<int:image_id>")
class ImageById(MethodView):
    @login_required(*SELLERS)
    @blp.arguments(ImagePatchSchema())
    @blp.response(200, ImageSchema)
    def patch(self, data: dict[str, Any], product_id: int, image_id: int) -> Any:
        """Change an image's alt text, position, or make it primary."""
        return images.update_image(current_user, product_id, image_id, data)

    @login_required(*SELLERS)
    @blp.response(204)
    def delete(self, product_id: int, image_id: int) -> None:
        """Delete an image."""
        images.delete_image(current_user, product_id, image_id)
