"""The public product listing: filters, full-text search, sorting, pages and facet counts.

Rows come from one of two sources with the same facet columns (category_id, brand_id,
condition, price, seller_id): the products table, or, for a plain search on PostgreSQL, the
matches in the search-terms index (services/search.py), which never touches the products
table until the page's 20 cards are loaded. Other searches use the GIN index on PostgreSQL and
a ranked case-insensitive match on SQLite. Same API, same tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import QueryableAttribute, aliased
from sqlalchemy.sql import FromClause, Subquery

from app.catalog.models import Brand, Category, Product, Seller
from app.catalog.services import binds, facets, search
from app.catalog.services.categories import subtree
from app.catalog.services.products import card_candidates, cards, public_cards
from app.common.db import is_postgresql
from app.common.matching import LIKE_ESCAPE, contains_pattern
from app.common.money import to_minor_units
from app.common.pagination import page_meta
from app.common.reads import prepared_rows, rows

PRODUCTS: FromClause = Product.__table__


def _like_match(words: int) -> tuple[ColumnElement, ColumnElement]:
    """SQLite: (where clause, relevance) matching each of `words` patterns (parameters
    `word0`...) in name, brand, category or description, ranked name > brand/category >
    description."""
    # Aliases: the facet queries join Brand and Category themselves and must not correlate these.
    brand, category = aliased(Brand), aliased(Category)
    brand_name = select(brand.name).where(brand.id == Product.brand_id).scalar_subquery()
    category_name = select(category.name).where(category.id == Product.category_id).scalar_subquery()
    fields = {"name": Product.name, "brand": brand_name, "category": category_name, "description": Product.description}
    weights = {"name": 1.0, "brand": 0.4, "category": 0.4, "description": 0.1}
    conditions: list[ColumnElement] = []
    rank: ColumnElement = literal(0.0)
    for i in range(words):
        pattern: Any = bindparam(binds.word(i))
        matches = {
            key: func.lower(func.coalesce(col, "")).like(pattern, escape=LIKE_ESCAPE) for key, col in fields.items()
        }
        conditions.append(or_(*matches.values()))
        for key, match in matches.items():
            rank = rank + case((match, weights[key]), else_=0.0)
    return and_(*conditions), rank


@dataclass(frozen=True)
class _Key:
    """One sort key of a listing, applied twice: where the page is cut and to its 20 rows."""

    column: ColumnElement | QueryableAttribute[Any]
    descending: bool = False
    nulls_last: bool = False  # PostgreSQL's default for ascending keys; SQLite's is first

    def on(self, expression: ColumnElement | QueryableAttribute[Any]) -> ColumnElement:
        ordered = expression.desc() if self.descending else expression.asc()
        return ordered.nulls_last() if self.nulls_last else ordered


def _order(sort: str, rank: ColumnElement | None, c: Any, own: bool = True) -> list[_Key]:
    """The keys of `sort` over the columns `c` of the listing's source: the products' (`own`),
    or a search's matches, whose terms carry the product's price, rating, age and featured
    position. A search sorted by the products' own columns joined every match before sorting
    ('phone' by rating: 41 ms on 100,000 products; the page cut from its terms: 5), or let
    PostgreSQL walk a products index in search of matches (by price: 258 ms, measured)."""
    tie = _Key(c.id if own else c.product_id, descending=True)
    if sort == "relevance" and rank is not None:
        return [_Key(rank, descending=True), tie]
    newest = _Key(c.created_at, descending=True)
    orders: dict[str, list[_Key]] = {
        "price": [_Key(c.price), tie],
        "-price": [_Key(c.price, descending=True), tie],
        "rating": [_Key(c.rating_average, descending=True), _Key(c.rating_count, descending=True), tie],
        # Staff's positions first, lowest first; the rest newest first (ix_products_featured_order).
        "featured": [_Key(c.featured_position, nulls_last=True), newest, tie],
    }
    if sort == "name":
        if rank is None:
            return [_Key(Product.name), tie]  # ix_products_active_name
        # A search: the terms do not carry names (they would double their index), so its
        # matches are joined to products and sorted. `name || ''` sorts the same but is not
        # the name index's key, which PostgreSQL would otherwise walk in search of matches.
        return [_Key(Product.name.concat(literal_column("''"))), tie]
    return orders.get(sort, [newest, tie])


_BRAND_IDS = select(Brand.id).where(Brand.slug.in_(bindparam("slugs", expanding=True)))
_SELLER_ID = select(Seller.id).where(Seller.slug == bindparam("slug"))


def _seller_id(slug: str) -> int:
    """The seller of `slug`'s id; 0 (no seller's) when there is none, so nothing matches."""
    found = prepared_rows(_SELLER_ID, {"slug": slug})
    return int(found[0][0]) if found else 0


def _brand_ids(slugs: list[str] | None) -> set[int] | None:
    if not slugs:
        return None
    return set(rows(_BRAND_IDS, {"slugs": slugs}).scalars())


@dataclass(frozen=True)
class _Shape:
    """What a listing's statements depend on, values aside (those are bound parameters)."""

    route: str  # "products"; a search: "terms" (PostgreSQL, plain words), "gin" (PostgreSQL), "like" (SQLite)
    words: int
    category: bool
    seller: bool
    in_stock: bool
    featured: bool
    min_price: bool
    max_price: bool
    brand: bool
    condition: bool
    sort: str
    stored: facets.PriceShape | None | bool  # False: live cells; None: stored, no price filter


@lru_cache(maxsize=1024)
def _statements(shape: _Shape) -> tuple[Select, Select]:
    """(facet cells, page of cards) for a listing of this shape, built once per process: building
    a statement and its cache key costs more than running these on a warm database."""
    source: FromClause = PRODUCTS
    rank: ColumnElement | None = None
    common: list[ColumnElement] = []
    if shape.route == "terms":
        source = search.term_matches(shape.words)
        rank = source.c.score
    elif shape.route == "gin":
        match, rank = search.gin_match()
        common.append(match)
    elif shape.route == "like":
        match, rank = _like_match(shape.words)
        common.append(match)
    c = source.c

    # Filters every facet applies; brand, condition and price are applied per facet.
    # Bare column, not `IS true`, so the partial indexes apply. Hidden categories (inactive, or
    # under an inactive one) are left out where categories are joined: in the cells (facets.py)
    # and in card_candidates().
    if source is PRODUCTS:
        common.append(c.is_active)
    categories = subtree(active=True) if shape.category else None  # the chosen category and below
    if categories is not None:
        common.append(c.category_id.in_(categories))
    if shape.seller:
        common.append(c.seller_id == bindparam(binds.SELLER))
    if shape.in_stock:
        if source is PRODUCTS:
            common.append(c.stock > 0)
        else:  # stock is not copied into the terms (it changes with every order): look it up
            stocked = PRODUCTS.alias("stocked")
            common.append(exists().where(stocked.c.id == c.product_id, stocked.c.stock > 0))
    if shape.featured:
        if source is PRODUCTS:
            common.append(c.featured_position.is_not(None))
        else:
            # The terms carry the position too, but staff feature a handful of products: finding
            # those by their index and then their terms beats filtering every match's terms
            # ('phone', featured only: 1.5 ms against 2.5, measured).
            featured = PRODUCTS.alias("featured")
            common.append(exists().where(featured.c.id == c.product_id, featured.c.featured_position.is_not(None)))
    price: list[ColumnElement] = []
    if shape.min_price:
        price.append(c.price >= bindparam(binds.MIN_PRICE))
    if shape.max_price:
        price.append(c.price <= bindparam(binds.MAX_PRICE))

    if shape.stored is not False:
        cells = facets.stored_cells(categories, shape.seller, shape.stored)  # type: ignore[arg-type]
    else:
        cells = facets.live_cells(source, common, price)

    where = list(common) + price
    if shape.brand:
        where.append(c.brand_id.in_(bindparam(binds.BRAND_IDS, expanding=True)))
    if shape.condition:
        where.append(c.condition == bindparam(binds.CONDITION))
    order = _order(shape.sort, rank, c, own=source is PRODUCTS)
    if source is not PRODUCTS and shape.sort not in ("relevance", "name"):
        cut = _cut_from_terms(source, where, order)
        chosen = (
            card_candidates(*(cut.c[f"k{i}"] for i in range(len(order))))
            .join(cut, cut.c.product_id == Product.id)
            .subquery("chosen")
        )
    else:
        candidates = card_candidates(*(key.column for key in order))
        if source is not PRODUCTS:
            candidates = candidates.join(source, c.product_id == Product.id)
        chosen = (
            candidates.where(*where)
            .order_by(*(key.on(key.column) for key in order))
            .limit(bindparam(binds.LIMIT))
            .offset(bindparam(binds.OFFSET))
            .subquery("chosen")
        )
    page = public_cards(chosen, [key.on(chosen.c[f"k{i}"]) for i, key in enumerate(order)])
    return cells, page


_VISIBLE_CATEGORIES = select(Category.id).where(Category.is_visible)


def _cut_from_terms(matches: FromClause, where: list[ColumnElement], order: list[_Key]) -> Subquery:
    """A plain search's page cut from its matches' terms alone (product_id and the sort keys,
    labelled k0...), before any product is read: the terms carry every filter's column and
    every sort key but the name, and hold active products only, so with the categories'
    visibility checked here no row of the page is lost when its products are joined.

    For the sorts by a product's key (price, rating, age, featured position): the sort keeps
    only the best rows of the offset and limit while it reads the matches' index rows (a top-N
    sort: sorting all 7,000 matches of 'phone' by rating took 12 ms, the best 20 3), and the
    products are read for the page's rows only. Relevance needs no cut: the terms' index gives
    its order, and the products are read row by row until the page is full (on page 1 that
    plans in less time than the cut's extra subquery; page 40 reads 800 products, 5 ms)."""
    m = matches.c
    return (
        select(m.product_id, *(key.column.label(f"k{i}") for i, key in enumerate(order)))
        .where(*where, m.category_id.in_(_VISIBLE_CATEGORIES))
        .order_by(*(key.on(key.column) for key in order))
        .limit(bindparam(binds.LIMIT))
        .offset(bindparam(binds.OFFSET))
        .subquery("cut")
    )


@dataclass(frozen=True)
class ListingQuery:
    """A listing request as its statements need it: the `shape` they are built for (memoised)
    and the `values` of their bind parameters (named in binds.py), made together in one place
    so that a filter cannot be bound without being placed, or placed without being bound."""

    shape: _Shape
    values: dict[str, Any]
    brand_ids: set[int] | None
    condition: str | None
    nothing_matches: bool = False  # a search of stop words only

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> ListingQuery:
        page, per_page = params["page"], params["per_page"]
        q = (params.get("q") or "").strip()
        values: dict[str, Any] = {binds.LIMIT: per_page, binds.OFFSET: (page - 1) * per_page}

        route, words, nothing = "products", 0, False
        if q and is_postgresql():
            lexemes = search.plain_terms(q)
            if lexemes == []:
                nothing = True
            elif lexemes is not None:
                route, words = "terms", len(lexemes)
                values.update(search.term_params(lexemes))
            else:
                route, values[binds.QUERY] = "gin", q
        elif q:
            patterns = [contains_pattern(word) for word in q.lower().split()[: search.MAX_TERMS]]
            route, words = "like", len(patterns)
            values.update({binds.word(i): pattern for i, pattern in enumerate(patterns)})

        if params.get("category"):
            values[binds.SUBTREE_ROOT] = params["category"]
        brand_ids = _brand_ids(params.get("brand"))
        if brand_ids is not None:
            values[binds.BRAND_IDS] = sorted(brand_ids)
        if params.get("seller"):
            values[binds.SELLER] = _seller_id(params["seller"])
        for key, name in (
            ("condition", binds.CONDITION),
            ("min_price", binds.MIN_PRICE),
            ("max_price", binds.MAX_PRICE),
        ):
            if params.get(key) is not None:
                values[name] = params[key]

        stored: facets.PriceShape | None | bool = False
        if route == "products" and not params.get("in_stock") and not params.get("featured"):
            stored = None
            if params.get("min_price") is not None or params.get("max_price") is not None:
                stored, band_values = facets.price_params(
                    *(
                        None if params.get(key) is None else to_minor_units(params[key])
                        for key in ("min_price", "max_price")
                    )
                )
                values.update(band_values)
        shape = _Shape(
            route=route,
            words=words,
            category=binds.SUBTREE_ROOT in values,
            seller=binds.SELLER in values,
            in_stock=bool(params.get("in_stock")),
            featured=bool(params.get("featured")),
            min_price=binds.MIN_PRICE in values,
            max_price=binds.MAX_PRICE in values,
            brand=brand_ids is not None,
            condition=bool(params.get("condition")),
            sort=params.get("sort") or ("relevance" if q else "newest"),
            stored=stored,
        )
        return cls(shape, values, brand_ids, params.get("condition"), nothing)


def list_products(params: dict[str, Any]) -> dict[str, Any]:
    """One page of active products matching `params`, with `meta` and `facets`.

    A fixed number of queries whatever the page size or catalog size: the brand ids, the search
    words, the facet cells (stored ones when the query allows), the page's cards. A category's
    subtree is a recursive CTE inside the last two.
    """
    page, per_page = params["page"], params["per_page"]
    query = ListingQuery.from_params(params)
    if query.nothing_matches:
        return {"items": [], "meta": page_meta(page, per_page, 0), "facets": facets.summarise([], None, None)[1]}
    cells_stmt, page_stmt = _statements(query.shape)
    total, facet_counts = facets.summarise(
        facets.read_cells(cells_stmt, query.values), query.brand_ids, query.condition
    )
    items = cards(prepared_rows(page_stmt, query.values)) if total else []
    return {
        "items": items,
        "meta": page_meta(page, per_page, total),
        "facets": facet_counts,
    }
