"""The public product listing: filters, full-text search, sorting, pages and facet counts.

Rows come from one of two sources with the same facet columns (category_id, brand_id,
condition, price, supplier_id): the products table, or, for a plain search on PostgreSQL, the
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
    or_,
    select,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import FromClause

from app.catalog.models import Brand, Category, Product
from app.catalog.services import facets, search
from app.catalog.services.categories import subtree
from app.catalog.services.products import cards, public_cards
from app.common.db import is_postgresql
from app.common.matching import LIKE_ESCAPE, contains_pattern
from app.common.money import to_minor_units
from app.common.pagination import page_meta
from app.common.reads import rows

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
        pattern: Any = bindparam(f"word{i}")
        matches = {
            key: func.lower(func.coalesce(col, "")).like(pattern, escape=LIKE_ESCAPE) for key, col in fields.items()
        }
        conditions.append(or_(*matches.values()))
        for key, match in matches.items():
            rank = rank + case((match, weights[key]), else_=0.0)
    return and_(*conditions), rank


def _order(sort: str, rank: ColumnElement | None) -> list[ColumnElement]:
    tie = Product.id.desc()
    if sort == "relevance" and rank is not None:
        return [rank.desc(), tie]
    orders: dict[str, list[ColumnElement]] = {
        "price": [Product.price.asc(), tie],
        "-price": [Product.price.desc(), tie],
        "rating": [Product.rating_average.desc(), Product.rating_count.desc(), tie],
        "name": [Product.name.asc(), tie],
    }
    return orders.get(sort, [Product.created_at.desc(), tie])


_BRAND_IDS = select(Brand.id).where(Brand.slug.in_(bindparam("slugs", expanding=True)))


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
    supplier: bool
    in_stock: bool
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
    # and in public_cards().
    if source is PRODUCTS:
        common.append(c.is_active)
    categories = subtree(active=True) if shape.category else None  # the chosen category and below
    if categories is not None:
        common.append(c.category_id.in_(categories))
    if shape.supplier:
        common.append(c.supplier_id == bindparam("supplier"))
    if shape.in_stock:
        if source is PRODUCTS:
            common.append(c.stock > 0)
        else:  # stock is not copied into the terms (it changes with every order): look it up
            stocked = PRODUCTS.alias("stocked")
            common.append(exists().where(stocked.c.id == c.product_id, stocked.c.stock > 0))
    price: list[ColumnElement] = []
    if shape.min_price:
        price.append(c.price >= bindparam("min_price"))
    if shape.max_price:
        price.append(c.price <= bindparam("max_price"))

    if shape.stored is not False:
        cells = facets.stored_cells(categories, shape.supplier, shape.stored)  # type: ignore[arg-type]
    else:
        cells = facets.live_cells(source, common, price)

    where = list(common) + price
    if shape.brand:
        where.append(c.brand_id.in_(bindparam("brand_ids", expanding=True)))
    if shape.condition:
        where.append(c.condition == bindparam("condition"))
    page = public_cards()
    if source is not PRODUCTS:
        page = page.join(source, c.product_id == Product.id)
    page = page.where(*where).order_by(*_order(shape.sort, rank)).limit(bindparam("limit")).offset(bindparam("offset"))
    return cells, page


def list_products(params: dict[str, Any]) -> dict[str, Any]:
    """One page of active products matching `params`, with `meta` and `facets`.

    A fixed number of queries whatever the page size or catalog size: the brand ids, the search
    words, the facet cells (stored ones when the query allows), the page's cards. A category's
    subtree is a recursive CTE inside the last two.
    """
    page, per_page = params["page"], params["per_page"]
    q = (params.get("q") or "").strip()
    sort = params.get("sort") or ("relevance" if q else "newest")
    values: dict[str, Any] = {"limit": per_page, "offset": (page - 1) * per_page}

    route, words = "products", 0
    if q and is_postgresql():
        lexemes = search.plain_terms(q)
        if lexemes == []:  # only stop words: nothing can match
            return {"items": [], "meta": page_meta(page, per_page, 0), "facets": facets.summarise([], None, None)[1]}
        if lexemes is not None:
            route, words = "terms", len(lexemes)
            values.update(search.term_params(lexemes))
        else:
            route, values["q"] = "gin", q
    elif q:
        patterns = [contains_pattern(word) for word in q.lower().split()[: search.MAX_TERMS]]
        route, words = "like", len(patterns)
        values.update({f"word{i}": pattern for i, pattern in enumerate(patterns)})

    if params.get("category"):
        values["subtree_root"] = params["category"]
    brand_ids = _brand_ids(params.get("brand"))
    if brand_ids is not None:
        values["brand_ids"] = sorted(brand_ids)
    condition = params.get("condition")
    for key in ("supplier", "condition", "min_price", "max_price"):
        if params.get(key) is not None:
            values[key] = params[key]

    stored: facets.PriceShape | None | bool = False
    if route == "products" and not params.get("in_stock"):
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
        category="subtree_root" in values,
        supplier="supplier" in values,
        in_stock=bool(params.get("in_stock")),
        min_price="min_price" in values,
        max_price="max_price" in values,
        brand=brand_ids is not None,
        condition=bool(condition),
        sort=sort,
        stored=stored,
    )
    cells_stmt, page_stmt = _statements(shape)
    total, facet_counts = facets.summarise(facets.read_cells(cells_stmt, values), brand_ids, condition)
    items = cards(rows(page_stmt, values)) if total else []
    return {
        "items": items,
        "meta": page_meta(page, per_page, total),
        "facets": facet_counts,
    }
