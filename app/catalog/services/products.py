"""Products as the shop shows them: cards and pages, public reads. Creating and changing them
(their seller or an admin) is `managing.py`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, bindparam, select
from sqlalchemy.orm import QueryableAttribute, joinedload

from app.catalog.errors import ProductNotFound
from app.catalog.models import Brand, Category, Product, ProductImage, Seller
from app.common.reads import prepared_rows
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


_CARD_PRODUCT_COLUMNS = (  # what a card shows of its product
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
)
_BRAND_AND_SELLER_COLUMNS = (Brand.id, Brand.name, Brand.slug, Seller.id, Seller.name, Seller.slug)
# A card's product, category, brand and seller columns, shared with the page.
_CARD_OWN_COLUMNS = (*_CARD_PRODUCT_COLUMNS, Category.id, Category.name, Category.slug, *_BRAND_AND_SELLER_COLUMNS)
# What a card takes from its product and category (in the order of cards()' rows), then the
# ids its brand and seller are joined on after the page is cut (public_cards()).
_CARD_CANDIDATE_COLUMNS = (
    *_CARD_PRODUCT_COLUMNS,
    Category.id.label("category_id"),
    Category.name.label("category_name"),
    Category.slug.label("category_slug"),
    Product.brand_id,
    Product.seller_id,
)
_JOINED_ON = len(_CARD_CANDIDATE_COLUMNS) - 2  # brand_id, seller_id: joined on, not shown


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


def card_candidates(*keys: ColumnElement | QueryableAttribute[Any]) -> Select:
    """Active products of visible categories with what a card takes from them and their
    category, and `keys` (a listing's sort keys, labelled k0, k1...): a listing adds its
    filters, order and page to it, and `public_cards()` finishes the page."""
    return (
        select(*_CARD_CANDIDATE_COLUMNS, *(key.label(f"k{i}") for i, key in enumerate(keys)))
        .select_from(Product)
        .join(Category, Category.id == Product.category_id)
        .where(Product.is_active, Category.is_visible)  # bare columns: the partial indexes apply
    )


def public_cards(page: Subquery, order: Sequence[ColumnElement]) -> Select:
    """The rows of a page of `card_candidates()` (filtered, sorted, cut) for `cards()`, in
    `order`: with brand, seller and primary image joined to the page's products only.

    Joined after the page is cut, not in one statement with the filters: PostgreSQL planned that
    one statement's six-way join in 1.5-4 ms on a warm connection, three to ten times what
    running it took (measured with EXPLAIN on the benchmark's 100,000 products); planning the
    filters apart and the joins of 20 rows apart costs a third of it.
    """
    p = page.c
    return (
        select(
            *list(p)[:_JOINED_ON],  # the card's own columns, in cards()' order
            *_BRAND_AND_SELLER_COLUMNS,
            ProductImage.path,
            ProductImage.thumbnail_path,
            ProductImage.alt,
        )
        .select_from(page)
        .outerjoin(Brand, Brand.id == p.brand_id)
        .join(Seller, Seller.id == p.seller_id)
        .outerjoin(ProductImage, and_(ProductImage.product_id == p.id, ProductImage.is_primary))
        .order_by(*order)
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
    answered_questions: int


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
    Product.answered_questions,
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
    found = prepared_rows(stmt, {"key": product_id if product_id is not None else slug})
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
        answered_questions,
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
        answered_questions,
    )


def categories_of(product_ids: set[int]) -> dict[int, int]:
    """The category of each product (seller orders find commission rates by it)."""
    if not product_ids:
        return {}
    rows = db.session.execute(select(Product.id, Product.category_id).where(Product.id.in_(product_ids)))
    return dict(rows.tuples().all())
