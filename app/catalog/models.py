"""Categories (a tree), brands, sellers as the catalog knows them, products and their images."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    REAL,
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.common.money import Money
from app.common.types import UTCDateTime, utcnow
from app.extensions import db

CONDITIONS = ("new", "refurbished")
# Orders a listing can be sorted in (GET /products?sort=); relevance needs a search.
SORTS = ("relevance", "newest", "price", "-price", "rating", "name", "featured")


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    image_path: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Active and every ancestor active: what the public sees (the tree, listings, search, product
    # pages). Recomputed after any flush that adds, moves or (de)activates a category (below).
    is_visible: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def _visibility_update() -> Any:
    """UPDATE every category's is_visible from the tree (one statement; the tree is small)."""
    table = Category.__table__
    visible = select(table.c.id).where(table.c.parent_id.is_(None), table.c.is_active).cte("visible", recursive=True)
    child = table.alias("child")
    visible = visible.union_all(
        select(child.c.id).join(visible, child.c.parent_id == visible.c.id).where(child.c.is_active)
    )
    return update(table).values(is_visible=table.c.id.in_(select(visible.c.id)))


@event.listens_for(Session, "after_flush")
def _note_tree_changes(session: Session, _context: Any) -> None:
    # Any writer (services, CLI, seeds, tests) keeps is_visible true to the tree this way.
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Category) and (
            obj in session.new
            or any(inspect(obj).attrs[key].history.has_changes() for key in ("is_active", "parent_id"))
        ):
            session.info["categories_moved"] = True
            return


@event.listens_for(Session, "after_flush_postexec")
def _refresh_visibility(session: Session, _context: Any) -> None:
    if session.info.pop("categories_moved", False):
        session.connection().execute(_visibility_update())
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Category):
                session.expire(obj, ["is_visible"])


class Brand(db.Model):
    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    logo_path: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Seller(db.Model):
    """Who sells a product: a store with a public name and page. Every product has one; the
    shop's own listings belong to the house seller (`is_house`, named after STORE_NAME).

    The catalog keeps what a listing and a product page show, and who may manage the products
    (`owner_id`); the seller's business side (application, status, terms, orders, money) lives in
    app/sellers, which changes these rows through the catalog's services."""

    __tablename__ = "sellers"
    __table_args__ = (
        # One house seller.
        Index(
            "uq_sellers_house",
            "is_house",
            unique=True,
            postgresql_where=text("is_house"),
            sqlite_where=text("is_house"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The account that manages the store; none for the house seller (every admin does).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    about: Mapped[str] = mapped_column(Text, default="")
    logo_path: Mapped[str | None] = mapped_column(String(200))
    is_house: Mapped[bool] = mapped_column(default=False)
    # A store that is not open (its seller suspended or closed) lists nothing: its products are
    # withheld from the shop until it opens again.
    is_open: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (
        UniqueConstraint("seller_id", "sku", name="uq_products_seller_sku"),
        CheckConstraint("price > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("compare_at_price IS NULL OR compare_at_price >= price", name="compare_at_not_below_price"),
        # The public listing: active products, newest first, optionally by category or price.
        Index("ix_products_active_created", "is_active", "created_at"),
        Index("ix_products_active_category", "is_active", "category_id"),
        Index("ix_products_active_price", "is_active", "price"),
        Index("ix_products_search", "search_vector", postgresql_using="gin"),
        # Facet counts under a price filter read only these (index-only scans), with or
        # without a category filter.
        Index(
            "ix_products_category_price_facets",
            "category_id",
            "price",
            postgresql_include=["brand_id", "condition"],
            postgresql_where=text("is_active"),
            sqlite_where=text("is_active"),
        ),
        Index(
            "ix_products_price_facets",
            "price",
            postgresql_include=["category_id", "brand_id", "condition"],
            postgresql_where=text("is_active"),
            sqlite_where=text("is_active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="RESTRICT"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(220), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    sku: Mapped[str] = mapped_column(String(64))
    price: Mapped[Decimal] = mapped_column(Money)
    compare_at_price: Mapped[Decimal | None] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3), default="KES")
    stock: Mapped[int] = mapped_column(default=0)
    condition: Mapped[str] = mapped_column(String(12), default="new")
    specifications: Mapped[dict[str, Any]] = mapped_column(JSON().with_variant(JSONB(), "postgresql"), default=dict)
    warranty: Mapped[str | None] = mapped_column(String(120))  # e.g. "12 months, manufacturer's"
    # At or under this many units the seller's dashboard lists it (None: SELLER_LOW_STOCK_THRESHOLD).
    low_stock_threshold: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    # Taken out of the shop because its store closed (is_active false meanwhile); back when it opens.
    withheld: Mapped[bool] = mapped_column(default=False)
    rating_average: Mapped[Decimal] = mapped_column(Numeric(3, 2), default=Decimal("0"))
    rating_count: Mapped[int] = mapped_column(default=0)
    # Featured by staff: shown first in `?featured=true` and `sort=featured`, lowest position first.
    featured_position: Mapped[int | None] = mapped_column()
    # Questions about it its seller or staff answered (app/questions keeps it true).
    answered_questions: Mapped[int] = mapped_column(default=0, server_default="0")
    # PostgreSQL full-text document (name A, brand and category B, description C), set on write.
    search_vector: Mapped[Any] = mapped_column(
        Text().with_variant(TSVECTOR(), "postgresql"), nullable=True, deferred=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    seller: Mapped[Seller] = relationship(lazy="raise")
    category: Mapped[Category] = relationship(lazy="raise")
    brand: Mapped[Brand | None] = relationship(lazy="raise")
    images: Mapped[list[ProductImage]] = relationship(
        back_populates="product", order_by="ProductImage.position", lazy="raise", cascade="all, delete-orphan"
    )

    @property
    def in_stock(self) -> bool:
        return self.stock > 0


# The listing's `sort=featured` in index order: staff's positions first (ascending, NULLs after
# them), then newest first. Without it every such page sorted all active products (80 ms of
# two workers' CPU on 100,000). Also `featured=true`'s (position not null).
Index("ix_products_featured_order", Product.featured_position, Product.created_at.desc(), Product.id.desc())
# `sort=name` in index order (active products): 42-62 ms a page on 100,000 without it. A search
# sorted by name orders by an expression this index cannot give (listing._order): walking it
# in search of a word's matches crossed most of the table (146 ms for q=phone, measured).
Index(
    "ix_products_active_name",
    Product.name,
    Product.id.desc(),
    postgresql_where=Product.is_active,
    sqlite_where=Product.is_active,
)
# `sort=rating` in index order (active products): without it every page sorted all of them
# (45 ms on 100,000). A search sorted by rating sorts its matches' terms instead (they carry
# the rating), so walking this index in search of a word's matches never pays.
Index(
    "ix_products_active_rating",
    Product.rating_average.desc(),
    Product.rating_count.desc(),
    Product.id.desc(),
    postgresql_where=Product.is_active,
    sqlite_where=Product.is_active,
)


class ProductImage(db.Model):
    __tablename__ = "product_images"
    __table_args__ = (
        Index("ix_product_images_product_position", "product_id", "position"),
        Index(
            "uq_product_images_primary",
            "product_id",
            unique=True,
            postgresql_where=text("is_primary"),
            sqlite_where=text("is_primary"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(200))
    thumbnail_path: Mapped[str] = mapped_column(String(200))
    alt: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(default=0)
    is_primary: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    product: Mapped[Product] = relationship(back_populates="images", lazy="raise")


class ProductFacetCell(db.Model):
    """Active products counted per (leaf category, brand, condition, seller, price band), with price bounds.

    A few hundred rows stand for the whole catalog: the unfiltered and category/brand/condition/
    seller-filtered listings read their totals and facet counts here instead of counting
    100,000 products per request. Rebuilt per category by the product services on every write
    that can change a count or a price bound (see `services/facets.py`).
    """

    __tablename__ = "product_facet_cells"
    __table_args__ = (Index("ix_product_facet_cells_category", "category_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    brand_id: Mapped[int | None] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    condition: Mapped[str] = mapped_column(String(12))
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="CASCADE"))
    price_band: Mapped[int] = mapped_column(SmallInteger)  # see facets.BAND_EDGES
    product_count: Mapped[int]
    min_price: Mapped[Decimal] = mapped_column(Money)
    max_price: Mapped[Decimal] = mapped_column(Money)


# What a search term carries of its product besides the lexeme's rank: the facet columns, and the
# keys a listing sorts by (all but the name, which would double the index; see listing._order).
TERM_FACETS = ("category_id", "brand_id", "condition", "price", "seller_id")
TERM_SORT_KEYS = ("rating_average", "rating_count", "created_at", "featured_position")


class ProductTerm(db.Model):
    """One row per (lexeme of the search document, active product): the search-terms index.

    The lexeme's ts_rank in the product, the product's facet columns and its sort keys ride
    along, so that a plain query's matches, facet counts and page come from one covering index
    without reading the products (see `services/search.py`): a page sorted by any of them joins
    20 products, not every match. PostgreSQL only; rebuilt with the document, and the sort keys
    kept with the product's (`copy_sort_keys`).
    """

    __tablename__ = "product_terms"
    __table_args__ = (
        Index(
            "ix_product_terms_rank",
            "lexeme",
            "score",
            "product_id",  # read backwards for best first
            postgresql_include=[*TERM_FACETS, *TERM_SORT_KEYS],
        ),
    )

    # Primary key (product_id, lexeme): a product's rows are rewritten together.
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), primary_key=True)
    lexeme: Mapped[str] = mapped_column(Text, primary_key=True)
    score: Mapped[float] = mapped_column(REAL)
    category_id: Mapped[int]
    brand_id: Mapped[int | None]
    condition: Mapped[str] = mapped_column(String(12))
    price: Mapped[Decimal] = mapped_column(Money)
    seller_id: Mapped[int]
    rating_average: Mapped[Decimal] = mapped_column(Numeric(3, 2))
    rating_count: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    featured_position: Mapped[int | None]
