"""Products: creation and changes by their seller's owner (or an admin), public reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from flask import current_app
from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy.orm import joinedload, selectinload

from app.auth.models import Role, User
from app.catalog.errors import NotASeller, ProductNotFound, ProductWithheld, SkuTaken
from app.catalog.models import Brand, Category, Product, ProductImage, Seller
from app.catalog.services.sellers import ensure_open, listing_seller
from app.common.reads import rows
from app.common.slugs import apply_changes, unique_slug
from app.errors import ValidationFailed
from app.extensions import db


def with_details(stmt: Select) -> Select:
    """Load what a product's JSON shows (its owner's view) in the same single query."""
    return stmt.options(
        joinedload(Product.category).load_only(Category.id, Category.name, Category.slug),
        joinedload(Product.brand).load_only(Brand.id, Brand.name, Brand.slug),
        joinedload(Product.seller).load_only(Seller.id, Seller.name, Seller.slug, Seller.is_open),
        joinedload(Product.images),
    )


@dataclass(slots=True)
class Ref:
    id: int
    name: str
    slug: str


@dataclass(slots=True)
class CardImage:
    path: str
    thumbnail_path: str
    alt: str


@dataclass(slots=True)
class Card:
    """A product as a listing shows it (ProductCardOut dumps it)."""

    id: int
    name: str
    slug: str
    price: Decimal
    compare_at_price: Decimal | None
    currency: str
    stock: int
    condition: str
    rating_average: Decimal
    rating_count: int
    category: Ref
    brand: Ref | None
    seller: Ref
    primary_image: CardImage | None

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


_CARD_OWN_COLUMNS = (  # a card's product, category and brand columns, shared with the page
    Product.id,
    Product.name,
    Product.slug,
    Product.price,
    Product.compare_at_price,
    Product.currency,
    Product.stock,
    Product.condition,
    Product.rating_average,
    Product.rating_count,
    Category.id,
    Category.name,
    Category.slug,
    Brand.id,
    Brand.name,
    Brand.slug,
    Seller.id,
    Seller.name,
    Seller.slug,
)
_CARD_COLUMNS = (*_CARD_OWN_COLUMNS, ProductImage.path, ProductImage.thumbnail_path, ProductImage.alt)


def _public(*columns: Any) -> Select:
    """`columns` of what the public may see: active products of visible categories, joined to
    their category, brand and seller. Bare columns in the filter, so the partial indexes apply."""
    return (
        select(*columns)
        .select_from(Product)
        .join(Category, Category.id == Product.category_id)
        .outerjoin(Brand, Brand.id == Product.brand_id)
        .join(Seller, Seller.id == Product.seller_id)
        .where(Product.is_active, Category.is_visible)
    )


def public_cards() -> Select:
    """Active products of visible categories as rows for `cards()`: the columns a card shows,
    category and brand names and the primary image, in one query.

    Rows, not ORM objects: a listing page is read-only and loading 20 products with three
    related objects each through the ORM cost about twice the CPU of these rows (measured).
    """
    return _public(*_CARD_COLUMNS).outerjoin(
        ProductImage, and_(ProductImage.product_id == Product.id, ProductImage.is_primary)
    )


def cards(rows: Iterable[Any]) -> list[Card]:
    """The rows of a `public_cards()` statement as Cards."""
    return [
        Card(
            pid,
            name,
            slug,
            price,
            compare_at,
            currency,
            stock,
            condition,
            rating,
            ratings,
            Ref(c_id, c_name, c_slug),
            Ref(b_id, b_name, b_slug) if b_id is not None else None,
            Ref(s_id, s_name, s_slug),
            CardImage(path, thumb, alt) if path is not None else None,
        )
        for (
            pid,
            name,
            slug,
            price,
            compare_at,
            currency,
            stock,
            condition,
            rating,
            ratings,
            c_id,
            c_name,
            c_slug,
            b_id,
            b_name,
            b_slug,
            s_id,
            s_name,
            s_slug,
            path,
            thumb,
            alt,
        ) in rows
    ]


@dataclass(slots=True)
class PageImage:
    id: int
    path: str
    thumbnail_path: str
    alt: str
    position: int
    is_primary: bool


@dataclass(slots=True)
class ProductPage(Card):
    """A product as its public page shows it (ProductOut dumps it, as it does a Product)."""

    description: str
    sku: str
    specifications: dict[str, str]
    warranty: str | None
    is_active: bool
    images: list[PageImage]
    created_at: datetime
    updated_at: datetime


_PAGE_IMAGE_COLUMNS = (  # as PageImage takes them
    ProductImage.id,
    ProductImage.path,
    ProductImage.thumbnail_path,
    ProductImage.alt,
    ProductImage.position,
    ProductImage.is_primary,
)
_PAGE_COLUMNS = (
    *_CARD_OWN_COLUMNS,
    Product.description,
    Product.sku,
    Product.specifications,
    Product.warranty,
    Product.is_active,
    Product.created_at,
    Product.updated_at,
    *_PAGE_IMAGE_COLUMNS,
)
_FIRST_IMAGE_COLUMN = len(_PAGE_COLUMNS) - len(_PAGE_IMAGE_COLUMNS)


@lru_cache(maxsize=2)
def _public_page_by(key: str) -> Select:
    # Built once per process: building the statement costs about what running it does.
    column = Product.id if key == "id" else Product.slug
    return (
        _public(*_PAGE_COLUMNS)
        .outerjoin(ProductImage, ProductImage.product_id == Product.id)  # at most 12, one row each
        .where(column == bindparam("key"))
        .order_by(ProductImage.position, ProductImage.id)
    )


def public_product(product_id: int | None = None, slug: str | None = None) -> ProductPage:
    """An active product of a visible category by id or slug, as its page shows it; hidden
    and missing ones are both 404.

    Read as rows (one per image), not as an ORM object: loading a Product with its category,
    brand, seller and images through the ORM was a fifth of the page's CPU (measured).
    """
    stmt = _public_page_by("id" if product_id is not None else "slug")
    found = rows(stmt, {"key": product_id if product_id is not None else slug}).all()
    if not found:
        raise ProductNotFound("No such product.")
    (
        pid,
        name,
        slug_,
        price,
        compare_at,
        currency,
        stock,
        condition,
        rating,
        ratings,
        c_id,
        c_name,
        c_slug,
        b_id,
        b_name,
        b_slug,
        s_id,
        s_name,
        s_slug,
        description,
        sku,
        specifications,
        warranty,
        is_active,
        created_at,
        updated_at,
        *_image,
    ) = found[0]
    images = [PageImage(*row[_FIRST_IMAGE_COLUMN:]) for row in found if row[_FIRST_IMAGE_COLUMN] is not None]
    primary = next((CardImage(i.path, i.thumbnail_path, i.alt) for i in images if i.is_primary), None)
    return ProductPage(
        pid,
        name,
        slug_,
        price,
        compare_at,
        currency,
        stock,
        condition,
        rating,
        ratings,
        Ref(c_id, c_name, c_slug),
        Ref(b_id, b_name, b_slug) if b_id is not None else None,
        Ref(s_id, s_name, s_slug),
        primary,
        description,
        sku,
        specifications,
        warranty,
        is_active,
        images,
        created_at,
        updated_at,
    )


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


def categories_of(product_ids: set[int]) -> dict[int, int]:
    """The category of each product (seller orders find commission rates by it)."""
    if not product_ids:
        return {}
    rows = db.session.execute(select(Product.id, Product.category_id).where(Product.id.in_(product_ids)))
    return dict(rows.tuples().all())


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
