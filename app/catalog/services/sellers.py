"""Sellers as the catalog knows them: who sells each product, the store's public name and page,
and who may manage its products. The house seller holds the shop's own listings.

app/sellers (applications, status, terms, seller orders) creates and changes these rows through
the functions here; the catalog never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from app.auth.models import Role, User
from app.catalog.errors import NotASeller, SellerNotFound, StoreClosed
from app.catalog.models import Category, Product, Seller
from app.catalog.services.facets import refresh_cells
from app.catalog.services.search import refresh_search
from app.catalog.signals import seller_changing_products
from app.common.db import changed_rows
from app.common.slugs import unique_slug
from app.common.storage import replace_image
from app.common.types import utcnow
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


def name_taken(name: str) -> bool:
    """Whether a store already has this name (names are unique, whatever the case)."""
    return db.session.scalar(select(Seller.id).where(func.lower(Seller.name) == name.lower()).limit(1)) is not None


def seller_of(user: User) -> Seller | None:
    """The store `user` manages, if any."""
    return db.session.scalar(select(Seller).where(Seller.owner_id == user.id))


def sellers_by_id(ids: set[int]) -> list[Seller]:
    """The stores with these ids (one query)."""
    return list(db.session.scalars(select(Seller).where(Seller.id.in_(ids)))) if ids else []


def listing_seller(actor: User) -> Seller:
    """The store a new product of `actor` belongs to: the house seller for an admin, the
    supplier's own store otherwise (403 `not_a_seller` when they have none)."""
    if actor.role == Role.ADMIN.value:
        return house_seller()
    seller = seller_of(actor)
    if seller is None:
        raise NotASeller("You have no store to list products in: apply to sell first.")
    ensure_open(seller, actor)
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


def set_store_open(seller_id: int, is_open: bool) -> int:
    """Open or close a store (app/sellers, when a seller is suspended, reinstated or closes).
    Closing withholds its products on sale from the shop (never deletes them); opening puts
    exactly those back, not the ones its seller had taken down. Returns how many moved."""
    seller = db.session.get(Seller, seller_id, with_for_update=True)
    if seller is None:
        raise SellerNotFound("No such seller.")
    if seller.is_open == is_open:
        return 0
    seller.is_open = is_open
    moving = Product.seller_id == seller_id, (Product.withheld if is_open else Product.is_active)
    categories = set(db.session.scalars(select(Product.category_id).where(*moving).distinct()))
    moved = changed_rows(
        update(Product)
        .where(*moving)
        .values(is_active=is_open, withheld=not is_open, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    # A bulk UPDATE passes no flush hooks: the derived data follows here (app/catalog/events.py).
    refresh_search(Product.seller_id == seller_id, documents=False)
    refresh_cells(categories)
    return moved


def ensure_open(seller: Seller, actor: User | None = None) -> None:
    """A store that is not open lists and changes nothing (403 `store_closed`); the domains
    above may refuse too (catalog.signals: the sellers domain, for terms not accepted)."""
    if not seller.is_open:
        raise StoreClosed("This store is not open: its products cannot be listed or changed now.")
    seller_changing_products.send(seller, actor=actor)


def my_store(user: User) -> Seller:
    """The store `user` manages (403 `not_a_seller` without one)."""
    seller = seller_of(user)
    if seller is None:
        raise NotASeller("You have no store.")
    return seller


def update_store(user: User, data: dict[str, Any]) -> StorePage:
    """The store's owner changes what its page says (its name stays: it is what buyers know);
    returns the page."""
    seller = my_store(user)
    for name, value in data.items():
        setattr(seller, name, value)
    db.session.flush()
    return store_page(seller.slug)


def set_store_logo(user: User, upload: FileStorage) -> StorePage:
    """The store's logo (checked and re-encoded, as every upload); the old file goes. Returns
    the page."""
    seller = my_store(user)
    replace_image(seller, "logo_path", upload, "sellers", max_side=800)
    db.session.flush()
    return store_page(seller.slug)
