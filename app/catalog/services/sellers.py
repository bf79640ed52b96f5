"""Sellers as the catalog knows them: who sells each product, the store's public name and page,
and who may manage its products. The house seller holds the shop's own listings.

app/sellers (applications, status, terms, seller orders) creates and changes these rows through
the functions here; the catalog never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select

from app.auth.models import Role, User
from app.catalog.errors import NotASeller, SellerNotFound
from app.catalog.models import Category, Product, Seller
from app.common.slugs import unique_slug
from app.extensions import db


def house_seller() -> Seller:
    """The shop's own store (every admin lists into it), made on first use, named STORE_NAME."""
    found = db.session.scalar(select(Seller).where(Seller.is_house))
    if found is not None:
        return found
    name = str(current_app.config["STORE_NAME"])
    seller = Seller(name=_free_name(name), slug=unique_slug(Seller, name), is_house=True)
    db.session.add(seller)
    db.session.flush()
    return seller


def _free_name(name: str) -> str:
    """`name`, or `name (2)`, ... when another store has it (names are unique)."""
    taken = set(db.session.scalars(select(Seller.name).where(Seller.name.like(f"{name}%"))))
    candidate, n = name, 1
    while candidate in taken:
        n += 1
        candidate = f"{name} ({n})"
    return candidate


def seller_of(user: User) -> Seller | None:
    """The store `user` manages, if any."""
    return db.session.scalar(select(Seller).where(Seller.owner_id == user.id))


def listing_seller(actor: User) -> Seller:
    """The store a new product of `actor` belongs to: the house seller for an admin, the
    supplier's own store otherwise (403 `not_a_seller` when they have none)."""
    if actor.role == Role.ADMIN.value:
        return house_seller()
    seller = seller_of(actor)
    if seller is None:
        raise NotASeller("You have no store to list products in: apply to sell first.")
    return seller


def seller_by_slug(slug: str) -> Seller:
    seller = db.session.scalar(select(Seller).where(Seller.slug == slug))
    if seller is None:
        raise SellerNotFound("No such seller.")
    return seller


def open_store(owner: User, name: str, about: str = "") -> Seller:
    """A new store managed by `owner` (app/sellers calls this when an application is approved)."""
    seller = Seller(owner_id=owner.id, name=name, slug=unique_slug(Seller, name), about=about)
    db.session.add(seller)
    db.session.flush()
    return seller


@dataclass(slots=True)
class StorePage:
    """A seller's public page: who they are and what the catalog holds of theirs."""

    id: int
    name: str
    slug: str
    about: str
    logo_path: str | None
    is_house: bool
    member_since: datetime
    product_count: int
    rating_average: Decimal
    rating_count: int


def store_page(slug: str) -> StorePage:
    """The store of `slug` as its public page shows it: products on sale, and the rating over
    every review of them (each product's average weighted by its number of ratings)."""
    seller = seller_by_slug(slug)
    count, ratings, weighted = db.session.execute(
        select(
            func.count(Product.id),
            func.coalesce(func.sum(Product.rating_count), 0),
            func.coalesce(func.sum(Product.rating_average * Product.rating_count), 0),
        )
        .join(Category, Category.id == Product.category_id)
        .where(Product.seller_id == seller.id, Product.is_active, Category.is_visible)
    ).one()
    average = (Decimal(str(weighted)) / ratings).quantize(Decimal("0.01")) if ratings else Decimal("0.00")
    return StorePage(
        seller.id,
        seller.name,
        seller.slug,
        seller.about,
        seller.logo_path,
        seller.is_house,
        seller.created_at,
        int(count),
        average,
        int(ratings),
    )
