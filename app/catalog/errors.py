"""Domain errors of the catalog."""

from __future__ import annotations

from app.errors import Conflict, Forbidden, NotFound


class CategoryNotFound(NotFound):
    code, title = "category_not_found", "Category not found"


class BrandNotFound(NotFound):
    code, title = "brand_not_found", "Brand not found"


class ProductNotFound(NotFound):
    code, title = "product_not_found", "Product not found"


class ImageNotFound(NotFound):
    code, title = "image_not_found", "Image not found"


class InUse(Conflict):
    code, title = "in_use", "Still in use"


class SkuTaken(Conflict):
    code, title = "sku_taken", "SKU already used"


class TooManyImages(Conflict):
    code, title = "too_many_images", "Too many images"


class InsufficientStock(Conflict):
    code, title = "insufficient_stock", "Not enough stock"


class SellerNotFound(NotFound):
    code, title = "seller_not_found", "Seller not found"


class NotASeller(Forbidden):
    code, title = "not_a_seller", "No store to sell through"


class StoreClosed(Forbidden):
    code, title = "store_closed", "This store is not open"


class ProductWithheld(Conflict):
    code, title = "product_withheld", "Withheld while its store is closed"
