"""The public product listing: filters, full-text search, sorting, pages and facet counts.

PostgreSQL ranks with a weighted tsvector (GIN index); SQLite falls back to a case-insensitive
match on the same fields with a rank of name > brand/category > description. Same API, same tests.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from app.catalog.models import Brand, Category, Product
from app.catalog.services import facets
from app.catalog.services.categories import descendant_ids
from app.catalog.services.products import TS_CONFIG, public_products
from app.common.pagination import page_meta
from app.extensions import db

SORTS = ("relevance", "newest", "price", "-price", "rating", "name")


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _text_match(q: str) -> tuple[ColumnElement, ColumnElement]:
    """(where clause, relevance expression) for the search words `q`."""
    if _dialect() == "postgresql":
        query = func.websearch_to_tsquery(literal(TS_CONFIG), q)
        return Product.search_vector.op("@@")(query), func.ts_rank(Product.search_vector, query)

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
    the brand ids, the facet cells (stored ones when the query allows), the page, its images.
    """
    page, per_page = params["page"], params["per_page"]
    q = (params.get("q") or "").strip()
    search, rank = _text_match(q) if q else (None, None)
    sort = params.get("sort") or ("relevance" if q else "newest")

    category_ids = descendant_ids(active_slug=params["category"]) if params.get("category") else None
    brand_ids = _brand_ids(params.get("brand"))
    condition = params.get("condition")

    # Filters every facet applies; brand, condition and price are applied per facet.
    # Bare column, not `IS true`, so the partial indexes apply. Inactive categories are left
    # out where categories are joined: in the cells (facets.py) and in public_products().
    common: list[ColumnElement] = [Product.is_active]
    if category_ids is not None:
        common.append(Product.category_id.in_(category_ids))
    if params.get("supplier"):
        common.append(Product.supplier_id == params["supplier"])
    if params.get("in_stock"):
        common.append(Product.stock > 0)
    if search is not None:
        common.append(search)
    price: list[ColumnElement] = []
    if params.get("min_price") is not None:
        price.append(Product.price >= params["min_price"])
    if params.get("max_price") is not None:
        price.append(Product.price <= params["max_price"])

    if search is None and not params.get("in_stock"):
        stored = facets.stored_cells(category_ids, params.get("supplier"))
        # A price filter: count the products in range (an index range scan); the price range
        # shown, which ignores the price filter, still comes from the stored cells.
        cells = facets.live_cells(common + price) if price else stored
        total, facet_counts = facets.summarise(cells, brand_ids, condition, bounds=stored)
    else:
        total, facet_counts = facets.summarise(facets.live_cells(common, price), brand_ids, condition)

    where = list(common) + price
    if brand_ids is not None:
        where.append(Product.brand_id.in_(brand_ids))
    if condition:
        where.append(Product.condition == condition)
    items: list[Product] = []
    if total:
        stmt = public_products().where(*where).order_by(*_order(sort, rank))
        items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique())
    return {
        "items": items,
        "meta": page_meta(page, per_page, total),
        "facets": facet_counts,
    }
