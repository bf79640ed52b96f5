"""Facet counts for the listing, from "cells": counts per (category, brand, condition).

A cell row holds how many products of one leaf category, brand and condition match, and their
price bounds. Every facet is a sum over cells, so one GROUP BY (or a read of the stored cells
table when the query allows it) gives the total and all facets:

- categories drill down (all filters apply);
- brand and condition ignore their own filter (disjunctive: the other brands stay countable);
- the price range ignores the price filter, so a slider shows the whole span.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select
from sqlalchemy.sql import FromClause

from app.catalog.models import Brand, Category, Product, ProductFacetCell
from app.extensions import db


@dataclass(frozen=True)
class Cell:
    category_id: int
    brand_id: int | None
    condition: str
    count: int  # products in the cell that also pass the price filter
    min_price: Decimal | None  # bounds ignore the price filter
    max_price: Decimal | None
    category: tuple[str, str]  # (slug, name)
    brand: tuple[str, str] | None


def _with_names(grouped: Any) -> list[Cell]:
    """Join category and brand names onto aggregated cells: one query gives the whole sidebar."""
    rows = db.session.execute(
        select(grouped, Category.slug, Category.name, Brand.slug, Brand.name)
        .join(Category, Category.id == grouped.c.category_id)
        .outerjoin(Brand, Brand.id == grouped.c.brand_id)
        .where(Category.is_active)  # products of an inactive category are not shown
    ).all()
    return [
        Cell(cat, brand, cond, int(n), lo, hi, (c_slug, c_name), (b_slug, b_name) if brand is not None else None)
        for cat, brand, cond, n, lo, hi, c_slug, c_name, b_slug, b_name in rows
    ]


def live_cells(
    source: FromClause, where: list[ColumnElement], price_filter: list[ColumnElement] | None = None
) -> list[Cell]:
    """Group the rows of `source` (the products table, or search matches with the same facet
    columns) matching `where` into cells; with `price_filter`, `count` counts only the rows in
    range while the bounds span them all."""
    # count(*) rather than count(id): PostgreSQL answers it from a covering index alone.
    in_range = func.count().filter(*price_filter) if price_filter else func.count()
    c = source.c
    grouped = (
        select(c.category_id, c.brand_id, c.condition, in_range.label("n"),
               func.min(c.price).label("low"), func.max(c.price).label("high"))
        .select_from(source)
        .where(*where)
        .group_by(c.category_id, c.brand_id, c.condition)
        .subquery("cells")
    )
    return _with_names(grouped)


def stored_cells(category_ids: list[int] | None, supplier_id: int | None) -> list[Cell]:
    """The precomputed cells (no search, stock or price filter), summed over suppliers."""
    stmt = select(
        ProductFacetCell.category_id, ProductFacetCell.brand_id, ProductFacetCell.condition,
        func.sum(ProductFacetCell.product_count).label("n"),
        func.min(ProductFacetCell.min_price).label("low"), func.max(ProductFacetCell.max_price).label("high"),
    ).group_by(ProductFacetCell.category_id, ProductFacetCell.brand_id, ProductFacetCell.condition)
    if category_ids is not None:
        stmt = stmt.where(ProductFacetCell.category_id.in_(category_ids))
    if supplier_id is not None:
        stmt = stmt.where(ProductFacetCell.supplier_id == supplier_id)
    return _with_names(stmt.subquery("cells"))


def summarise(
    cells: list[Cell], brand_ids: set[int] | None, condition: str | None, *, bounds: list[Cell] | None = None
) -> tuple[int, dict[str, Any]]:
    """(total, facets) from cells, applying the brand and condition filters disjunctively.

    The price range comes from `bounds` when given (cells not narrowed by the price filter).
    """
    def brand_ok(cell: Cell) -> bool:
        return brand_ids is None or cell.brand_id in brand_ids

    def condition_ok(cell: Cell) -> bool:
        return condition is None or cell.condition == condition

    total = 0
    names: dict[tuple[str, int], tuple[str, str]] = {}
    by_category: dict[int, int] = defaultdict(int)
    by_brand: dict[int, int] = defaultdict(int)
    by_condition: dict[str, int] = defaultdict(int)
    low: Decimal | None = None
    high: Decimal | None = None
    for cell in cells:
        names[("category", cell.category_id)] = cell.category
        if cell.brand_id is not None and cell.brand is not None:
            names[("brand", cell.brand_id)] = cell.brand
        if condition_ok(cell) and cell.brand_id is not None and cell.count:
            by_brand[cell.brand_id] += cell.count
        if brand_ok(cell) and cell.count:
            by_condition[cell.condition] += cell.count
        if brand_ok(cell) and condition_ok(cell):
            total += cell.count
            if cell.count:
                by_category[cell.category_id] += cell.count
    for cell in cells if bounds is None else bounds:
        if brand_ok(cell) and condition_ok(cell) and cell.min_price is not None:
            low = cell.min_price if low is None else min(low, cell.min_price)
            high = cell.max_price if high is None else max(high, cell.max_price)
    return total, {
        "categories": _named("category", by_category, names),
        "brands": _named("brand", by_brand, names),
        "condition": [{"value": value, "count": by_condition[value]} for value in sorted(by_condition)],
        "price_range": {"min": low, "max": high},
    }


def _named(kind: str, counts: dict[int, int], names: dict[tuple[str, int], tuple[str, str]]) -> list[dict[str, Any]]:
    items = [{"id": i, "slug": names[(kind, i)][0], "name": names[(kind, i)][1], "count": n} for i, n in counts.items()]
    return sorted(items, key=lambda item: (-item["count"], item["name"]))


def refresh_cells(category_ids: set[int] | None = None) -> None:
    """Rebuild the stored cells of some leaf categories (all when None), in the caller's transaction.

    On PostgreSQL the categories' rows are locked first: two writers refreshing the same
    category would otherwise each delete the old cells and both insert theirs (READ COMMITTED
    does not let the second DELETE see the first one's new rows), doubling the counts.
    FOR NO KEY UPDATE, so that product inserts (whose foreign key takes KEY SHARE on the
    category) do not deadlock with it.
    """
    if category_ids is not None and not category_ids:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        lock = select(Category.id).order_by(Category.id).with_for_update(key_share=True)
        if category_ids is not None:
            lock = lock.where(Category.id.in_(category_ids))
        db.session.execute(lock).all()
    delete_stmt = delete(ProductFacetCell)
    source = select(
        Product.category_id, Product.brand_id, Product.condition, Product.supplier_id,
        func.count(Product.id), func.min(Product.price), func.max(Product.price),
    ).where(Product.is_active.is_(True))
    if category_ids is not None:
        delete_stmt = delete_stmt.where(ProductFacetCell.category_id.in_(category_ids))
        source = source.where(Product.category_id.in_(category_ids))
    source = source.group_by(Product.category_id, Product.brand_id, Product.condition, Product.supplier_id)
    db.session.execute(delete_stmt)
    db.session.execute(
        insert(ProductFacetCell).from_select(
            ["category_id", "brand_id", "condition", "supplier_id", "product_count", "min_price", "max_price"], source
        )
    )
