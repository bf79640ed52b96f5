"""The public product listing: filters, full-text search, sorting, pages and facet counts.

PostgreSQL ranks with a weighted tsvector (GIN index); SQLite falls back to a case-insensitive
match on the same fields with a rank of name > brand/category > description. Same API, same tests.
"""
from __future__ import annotations

import math
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import aliased

from app.catalog.models import Brand, Category, Product
from app.catalog.services.categories import descendant_ids
from app.catalog.services.products import TS_CONFIG, with_details
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


def _filters(params: dict[str, Any], *, skip: str | None = None) -> list[ColumnElement]:
    """Where clauses for the listing; `skip` leaves one facet's own filter out."""
    clauses: list[ColumnElement] = [Product.is_active.is_(True)]
    if params.get("category") and skip != "category":
        category = db.session.scalar(select(Category).where(Category.slug == params["category"], Category.is_active.is_(True)))
        ids = descendant_ids(category.id) if category else []
        clauses.append(Product.category_id.in_(ids))
    if params.get("brand") and skip != "brand":
        brand_ids = select(Brand.id).where(Brand.slug.in_(params["brand"]))
        clauses.append(Product.brand_id.in_(brand_ids))
    if params.get("min_price") is not None and skip != "price":
        clauses.append(Product.price >= params["min_price"])
    if params.get("max_price") is not None and skip != "price":
        clauses.append(Product.price <= params["max_price"])
    if params.get("in_stock"):
        clauses.append(Product.stock > 0)
    if params.get("condition") and skip != "condition":
        clauses.append(Product.condition == params["condition"])
    if params.get("supplier"):
        clauses.append(Product.supplier_id == params["supplier"])
    return clauses


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

    A fixed number of queries whatever the page size: count, page, images, facets.
    """
    q = (params.get("q") or "").strip()
    search: ColumnElement | None = None
    rank: ColumnElement | None = None
    if q:
        search, rank = _text_match(q)
    sort = params.get("sort") or ("relevance" if q else "newest")

    def where(skip: str | None = None) -> list[ColumnElement]:
        clauses = _filters(params, skip=skip)
        return clauses + ([search] if search is not None else [])

    page, per_page = params["page"], params["per_page"]
    total = db.session.scalar(select(func.count(Product.id)).where(*where())) or 0
    stmt: Select = with_details(select(Product).where(*where())).order_by(*_order(sort, rank))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return {
        "items": items,
        "meta": {"page": page, "per_page": per_page, "total": total, "pages": math.ceil(total / per_page) if total else 0},
        "facets": _facets(where),
    }


def _facets(where: Any) -> dict[str, Any]:
    """Counts for a filter sidebar.

    Brand, condition and price ignore their own filter, so picking one brand still shows how many
    the other brands have (disjunctive faceting). Categories drill down: inside a category the
    counts are of its subcategories' products.
    """
    categories = db.session.execute(
        select(Category.id, Category.slug, Category.name, func.count(Product.id))
        .join(Product, Product.category_id == Category.id)
        .where(*where())
        .group_by(Category.id, Category.slug, Category.name)
        .order_by(func.count(Product.id).desc(), Category.name)
    ).all()
    brands = db.session.execute(
        select(Brand.id, Brand.slug, Brand.name, func.count(Product.id))
        .join(Product, Product.brand_id == Brand.id)
        .where(*where("brand"))
        .group_by(Brand.id, Brand.slug, Brand.name)
        .order_by(func.count(Product.id).desc(), Brand.name)
    ).all()
    conditions = db.session.execute(
        select(Product.condition, func.count(Product.id))
        .where(*where("condition"))
        .group_by(Product.condition)
        .order_by(Product.condition)
    ).all()
    low, high = db.session.execute(select(func.min(Product.price), func.max(Product.price)).where(*where("price"))).one()
    return {
        "categories": [{"id": i, "slug": s, "name": n, "count": c} for i, s, n, c in categories],
        "brands": [{"id": i, "slug": s, "name": n, "count": c} for i, s, n, c in brands],
        "condition": [{"value": v, "count": c} for v, c in conditions],
        "price_range": {"min": low, "max": high},  # min()/max() keep the Money type: Decimals
    }

