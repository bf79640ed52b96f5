"""Products as their seller (or an admin) manages them: their own, all of them, inactive and
withheld included; listing, changing and taking one out of the shop."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import Role, User
from app.catalog.errors import NotASeller, ProductNotFound, ProductWithheld, SkuTaken
from app.catalog.models import Brand, Category, Product, Seller
from app.catalog.services.products import with_details
from app.catalog.services.sellers import ensure_open, listing_seller
from app.common.slugs import apply_changes, unique_slug
from app.errors import ValidationFailed
from app.extensions import db


def owned_product(actor: User, product_id: int, *, changing: bool = False) -> Product:
    """A product the actor may manage: their store's, or any for an admin. Others' are 404;
    changing one while its store is not open is 403 `store_closed` (an admin too may only read)."""
    stmt = with_details(select(Product).where(Product.id == product_id))
    if actor.role != Role.ADMIN.value:
        stmt = stmt.where(Product.seller_id == select(Seller.id).where(Seller.owner_id == actor.id).scalar_subquery())
    product = db.session.scalars(stmt).unique().one_or_none()
    if product is None:
        raise ProductNotFound("No such product.")
    if changing and actor.role != Role.ADMIN.value:
        ensure_open(product.seller, actor)
    return product


def store_products(actor: User, query: dict[str, Any]) -> dict[str, Any]:
    """A seller's own products as they manage them, newest first, a page at a time: inactive,
    withheld and out-of-stock ones included (the shop hides those; their owner must not lose
    them). Filters: `active`, `in_stock`, `q` (name contains)."""
    from app.catalog.services.sellers import seller_of
    from app.common.matching import LIKE_ESCAPE, contains_pattern
    from app.common.pagination import paginate

    seller = seller_of(actor)
    if seller is None:
        raise NotASeller("You have no store.")
    stmt = (
        select(Product)
        .where(Product.seller_id == seller.id)
        .options(
            joinedload(Product.category).load_only(Category.id, Category.name, Category.slug),
            joinedload(Product.brand).load_only(Brand.id, Brand.name, Brand.slug),
            joinedload(Product.seller).load_only(Seller.id, Seller.name, Seller.slug, Seller.is_open),
            selectinload(Product.images),
        )
        .order_by(Product.created_at.desc(), Product.id.desc())
    )
    if query.get("active") is not None:
        stmt = stmt.where(Product.is_active.is_(query["active"]))
    if query.get("in_stock") is not None:
        stmt = stmt.where(Product.stock > 0 if query["in_stock"] else Product.stock == 0)
    if query.get("q"):
        stmt = stmt.where(func.lower(Product.name).like(contains_pattern(query["q"].lower()), escape=LIKE_ESCAPE))
    return paginate(stmt, query["page"], query["per_page"])


def _check_references(data: dict[str, Any]) -> None:
    if "category_id" in data and db.session.get(Category, data["category_id"]) is None:
        raise ValidationFailed.field("category_id", "No such category.")
    if data.get("brand_id") is not None and db.session.get(Brand, data["brand_id"]) is None:
        raise ValidationFailed.field("brand_id", "No such brand.")


def _check_sku(seller_id: int, sku: str, exclude_id: int | None = None) -> None:
    stmt = select(Product.id).where(Product.seller_id == seller_id, Product.sku == sku)
    if exclude_id is not None:
        stmt = stmt.where(Product.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise SkuTaken(f"You already sell a product with SKU {sku}.", errors={"sku": ["Already used."]})


def _check_prices(price: Any, compare_at: Any) -> None:
    if compare_at is not None and compare_at < price:
        message = "Must be at least the price."
        raise ValidationFailed(message, errors={"compare_at_price": [message]})


def create_product(actor: User, data: dict[str, Any]) -> Product:
    """List a new product in the actor's store (a supplier's own; the house seller's for an admin)."""
    seller = listing_seller(actor)
    _check_references(data)
    _check_sku(seller.id, data["sku"])
    _check_prices(data["price"], data.get("compare_at_price"))
    product = Product(
        **data,
        seller_id=seller.id,
        slug=unique_slug(Product, data["name"]),
        currency=current_app.config["STORE_CURRENCY"],
    )
    db.session.add(product)
    db.session.flush()  # its search terms and facet cells follow (app/catalog/events.py)
    return owned_product(actor, product.id)


def update_product(actor: User, product_id: int, data: dict[str, Any]) -> Product:
    """Change a product; its slug stays (links keep working) unless `regenerate_slug` is sent.
    A product withheld with its store stays off the shop until the store opens (409)."""
    product = owned_product(actor, product_id, changing=True)
    if product.withheld and data.get("is_active"):
        raise ProductWithheld("This product is withheld while its store is closed; it comes back when it opens.")
    _check_references(data)
    if "sku" in data:
        _check_sku(product.seller_id, data["sku"], exclude_id=product.id)
    _check_prices(data.get("price", product.price), data.get("compare_at_price", product.compare_at_price))
    apply_changes(product, data)
    db.session.flush()  # search terms and facet cells follow (app/catalog/events.py)
    db.session.expire(product)
    return owned_product(actor, product_id)


def deactivate_product(actor: User, product_id: int) -> None:
    """Hide a product from the shop. Products are never hard-deleted: orders point at them."""
    product = owned_product(actor, product_id, changing=True)
    product.is_active = False
    db.session.flush()  # it leaves the search terms and the facet cells (app/catalog/events.py)


def set_featured(product_id: int, position: int | None) -> dict[str, int | None]:
    """Staff feature a product at `position` (lower first), or stop featuring it (None)."""
    product = db.session.get(Product, product_id)
    if product is None:
        raise ProductNotFound("No such product.")
    product.featured_position = position
    return {"product_id": product.id, "featured_position": position}
