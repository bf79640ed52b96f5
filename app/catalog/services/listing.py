"""The public product listing: filters, full-text search, sorting, pages and facet counts.

Rows come from one of two sources with the same facet columns (category_id, brand_id,
condition, price, supplier_id): the products table, or, for a plain search on PostgreSQL, the
matches in the search-terms index (services/search.py), which never touches the products
table until the page's 20 cards are loaded. Other searches use the GIN index on PostgreSQL and
a ranked case-insensitive match on SQLite. Same API, same tests.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, literal, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import FromClause

from app.catalog.models import Brand, Category, Product
from app.catalog.services import facets, search
from app.catalog.services.categories import descendant_ids
from app.catalog.services.products import public_cards
from app.common.money import to_minor_units
from app.common.pagination import page_meta
from app.extensions import db

SORTS = ("relevance", "newest", "price", "-price", "rating", "name")
PRODUCTS: FromClause = Product.__table__  # type: ignore[assignment]


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_match(q: str) -> tuple[ColumnElement, ColumnElement]:
    """SQLite: (where clause, relevance) matching every word in name, brand, category or
    description, ranked name > brand/category > description."""
    # Aliases: the facet queries join Brand and Category themselves and must not correlate these.
    brand, category = aliased(Brand), aliased(Category)
    brand_name = select(brand.name).where(brand.id == Product.brand_id).scalar_subquery()
    category_name = select(category.name).where(category.id == Product.category_id).scalar_subquery()
    fields = {"name": Product.name, "brand": brand_name, "category": category_name, "description": Product.description}
    weights = {"name": 1.0, "brand": 0.4, "category": 0.4, "description": 0.1}
    conditions = []
    rank: ColumnElement = literal(0.0)
    for word in q.lower().split()[:10]:
        pattern = f"%{_like_escape(word)}%"
        matches = {key: func.lower(func.coalesce(col, "")).like(pattern, escape="\\") for key, col in fields.items()}
        conditions.append(or_(*matches.values()))
        for key, match in matches.items():
            rank = rank + case((match, weights[key]), else_=0.0)
    return and_(*conditions), rank


def _brand_ids(slugs: list[str] | None) -> set[int] | None:
    if not slugs:
        return None
    return set(db.session.scalars(select(Brand.id).where(Brand.slug.in_(slugs))))


def _order(sort: str, rank: ColumnElement | None) -> list[ColumnElement]:
    tie = Product.id.desc()
    if sort == "relevance" and rank is not None:
        return [rank.desc(), tie]
    return {
        "price": [Product.price.asc(), tie],
        "-price": [Product.price.desc(), tie],
        "rating": [Product.rating_average.desc(), Product.rating_count.desc(), tie],
        "name": [Product.name.asc(), tie],
    }.get(sort, [Product.created_at.desc(), tie])


def list_products(params: dict[str, Any]) -> dict[str, Any]:
    """One page of active products matching `params`, with `meta` and `facets`.

    A fixed number of queries whatever the page size or catalog size: the category subtree,
    the brand ids, the search words, the facet cells (stored ones when the query allows), the
    page's cards.
    """
    page, per_page = params["page"], params["per_page"]
    q = (params.get("q") or "").strip()
    sort = params.get("sort") or ("relevance" if q else "newest")

    category_ids = descendant_ids(active_slug=params["category"]) if params.get("category") else None
    brand_ids = _brand_ids(params.get("brand"))
    condition = params.get("condition")

    # Pick the source of rows and, for a search, how to match and rank.
    source, rank = PRODUCTS, None
    common: list[ColumnElement] = []
    if q and db.session.get_bind().dialect.name == "postgresql":
        lexemes = search.plain_terms(q)
        if lexemes == []:  # only stop words: nothing can match
            return {"items": [], "meta": page_meta(page, per_page, 0), "facets": facets.summarise([], None, None)[1]}
        if lexemes is not None:
            source = search.term_matches(lexemes)
            rank = source.c.score
        else:
            match, rank = search.gin_match(q)
            common.append(match)
    elif q:
        match, rank = _like_match(q)
        common.append(match)
    c = source.c

    # Filters every facet applies; brand, condition and price are applied per facet.
    # Bare column, not `IS true`, so the partial indexes apply. Inactive categories are left
    # out where categories are joined: in the cells (facets.py) and in public_cards().
    if source is PRODUCTS:
        common.append(c.is_active)
    if category_ids is not None:
        common.append(c.category_id.in_(category_ids))
    if params.get("supplier"):
        common.append(c.supplier_id == params["supplier"])
    if params.get("in_stock"):
        if source is PRODUCTS:
            common.append(c.stock > 0)
        else:  # stock is not copied into the terms (it changes with every order): look it up
            stocked = PRODUCTS.alias("stocked")
            common.append(exists().where(stocked.c.id == c.product_id, stocked.c.stock > 0))
    price: list[ColumnElement] = []
    if params.get("min_price") is not None:
        price.append(c.price >= params["min_price"])
    if params.get("max_price") is not None:
        price.append(c.price <= params["max_price"])

    if source is PRODUCTS and not q and not params.get("in_stock"):
        price_range = None
        if price:
            price_range = tuple(None if params.get(key) is None else to_minor_units(params[key])
                                for key in ("min_price", "max_price"))
        cells = facets.stored_cells(category_ids, params.get("supplier"), price_range)  # type: ignore[arg-type]
        total, facet_counts = facets.summarise(cells, brand_ids, condition)
    else:
        total, facet_counts = facets.summarise(facets.live_cells(source, common, price), brand_ids, condition)

    where = list(common) + price
    if brand_ids is not None:
        where.append(c.brand_id.in_(brand_ids))
    if condition:
        where.append(c.condition == condition)
    items: list[Product] = []
    if total:
        stmt = public_cards()
        if source is not PRODUCTS:
            stmt = stmt.join(source, c.product_id == Product.id)
        stmt = stmt.where(*where).order_by(*_order(sort, rank))
        items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return {
        "items": items,
        "meta": page_meta(page, per_page, total),
        "facets": facet_counts,
    }
