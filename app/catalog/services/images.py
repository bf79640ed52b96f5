"""Product images: upload (checked and re-encoded, with a thumbnail), order, primary, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from app.auth.models import User
from app.catalog.errors import ImageNotFound, TooManyImages
from app.catalog.models import Product, ProductImage
from app.catalog.services.managing import owned_product
from app.common.db import after_commit, on_rollback
from app.common.storage import delete_media, save_images
from app.extensions import db

MAX_IMAGES = 12


def add_image(actor: User, product_id: int, upload: FileStorage, alt: str = "") -> ProductImage:
    """Store an image (1600 px max) and its thumbnail (400 px); the first image is primary."""
    product = owned_product(actor, product_id, changing=True)
    # One upload at a time per product: the count decides the position, the primary and the cap.
    db.session.execute(select(Product.id).where(Product.id == product.id).with_for_update())
    count = db.session.scalar(select(func.count()).where(ProductImage.product_id == product.id)) or 0
    if count >= MAX_IMAGES:
        raise TooManyImages(f"A product has at most {MAX_IMAGES} images.")
    path, thumbnail = save_images(upload, [("products", 1600), ("products/thumbs", 400)])
    image = ProductImage(
        product_id=product.id, path=path, thumbnail_path=thumbnail, alt=alt, position=count, is_primary=count == 0
    )
    db.session.add(image)
    on_rollback(delete_media, path)
    on_rollback(delete_media, thumbnail)
    return image


def _image(actor: User, product_id: int, image_id: int) -> ProductImage:
    product = owned_product(actor, product_id, changing=True)
    image = db.session.scalar(
        select(ProductImage).where(ProductImage.id == image_id, ProductImage.product_id == product.id)
    )
    if image is None:
        raise ImageNotFound("No such image.")
    return image


def update_image(actor: User, product_id: int, image_id: int, data: dict[str, Any]) -> ProductImage:
    """Change alt text, position or make the image primary (the previous primary steps down)."""
    image = _image(actor, product_id, image_id)
    if data.get("is_primary") is True:
        db.session.execute(
            update(ProductImage)
            .where(ProductImage.product_id == image.product_id, ProductImage.id != image.id)
            .values(is_primary=False)
            .execution_options(synchronize_session="fetch")
        )
        image.is_primary = True
    if "alt" in data:
        image.alt = data["alt"]
    if "position" in data:
        image.position = data["position"]
    return image


def delete_image(actor: User, product_id: int, image_id: int) -> None:
    """Remove an image and its files; if it was primary, the first remaining image takes over."""
    image = _image(actor, product_id, image_id)
    files = (image.path, image.thumbnail_path)
    was_primary, product_id = image.is_primary, image.product_id
    db.session.delete(image)
    db.session.flush()
    if was_primary:
        successor = db.session.scalar(
            select(ProductImage)
            .where(ProductImage.product_id == product_id)
            .order_by(ProductImage.position, ProductImage.id)
        )
        if successor is not None:
            successor.is_primary = True
    for path in files:
        after_commit(delete_media, path)
