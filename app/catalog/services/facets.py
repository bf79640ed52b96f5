"""Facet counts for the listing, from "cells": counts per (category, brand, condition).

A cell row holds how many products of one leaf category, brand and condition match, and their
price bounds. Every facet is a sum over cells, so one GROUP BY (or a read of the stored cells
table when the query allows it) gives the total and all facets:

- categories drill down (all filters apply);
- brand and condition ignore their own filter (disjunctive: the other brands stay countable);
- the price range ignores the price filter, so a slider shows the whole span.

Stored cells are also split by price band (the R10 preferred numbers: 100, 125, 160, 200, 250,
315, 400, 500, 630, 800 shillings and their powers of ten), so a price filter counts the bands
wholly inside its range from the stored cells and only the products in the two partial bands
at its ends live. Round limits (1,000-5,000; 10,000-50,000) fall on band edges.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.sql import FromClause

from app.catalog.models import Brand, Category, Product, ProductFacetCell
from app.catalog.services import binds
from app.catalog.services.categories import lock_categories
from app.common.money import MINOR_UNITS, from_minor_units
from app.common.reads import prepared_rows
from app.extensions import db

# Lower edges of price bands 1..n in minor units (band 0 is below 1 shilling).
BAND_EDGES: tuple[int, ...] = tuple(
    step * 10**power * MINOR_UNITS // 100
    for power in range(0, 11)
    for step in (100, 125, 160, 200, 250, 315, 400, 500, 630, 800)
)


def price_band(price_cents: ColumnElement) -> ColumnElement:
    """The band of a price (in minor units) as a SQL expression: how many band edges are <= it."""
    return case(*((price_cents < edge, band) for band, edge in enumerate(BAND_EDGES)), else_=len(BAND_EDGES))


def _band_start(band: int) -> int:
    return 0 if band == 0 else BAND_EDGES[band - 1]


def _band_end(band: int) -> int | None:
    """First price (minor units) above the band; None for the last band."""
    return BAND_EDGES[band] if band < len(BAND_EDGES) else None


def split_price_range(
    low: int | None, high: int | None
) -> tuple[tuple[int, int] | None, list[tuple[int | None, int | None]]]:
    """For a price filter [low, high] in minor units (inclusive; None is open), the bands wholly
    inside it (first, last) or None, and the partial ranges at its ends, [from, to) in minor
    units (None: open), whose products are counted live."""
    lo = low or 0
    first = next((band for band in range(len(BAND_EDGES) + 1) if _band_start(band) >= lo), None)
    last = None
    for band in range(len(BAND_EDGES), -1, -1):
        end = _band_end(band)
        if (high is None and end is None) or (high is not None and end is not None and end - 1 <= high):
            last = band
            break
    if first is None or last is None or first > last:
        return None, [(low, None if high is None else high + 1)]
    edges: list[tuple[int | None, int | None]] = []
    if lo < _band_start(first):
        edges.append((lo, _band_start(first)))
    end = _band_end(last)
    if end is not None and high is not None and end <= high:
        edges.append((end, high + 1))
    return (first, last), edges


class Cell(NamedTuple):  # a tuple: a listing builds dozens per request
    category_id: int
    brand_id: int | None
    condition: str
    products: int  # products in the cell that also pass the price filter
    min_price: int | None  # bounds, in minor units (converted once per listing), ignore the price filter
    max_price: int | None
    category: tuple[str, str]  # (slug, name)
    brand: tuple[str, str] | None


def named_cells(grouped: FromClause) -> Select:
    """The statement joining category and brand names onto aggregated cells: one query gives
    the whole sidebar. Run it with `read_cells`."""
    return (
        select(grouped, Category.slug, Category.name, Brand.slug, Brand.name)
        .join(Category, Category.id == grouped.c.category_id)
        .outerjoin(Brand, Brand.id == grouped.c.brand_id)
        .where(Category.is_visible)  # products of a hidden category are not shown
    )


def read_cells(stmt: Select, params: dict[str, Any]) -> list[Cell]:
    """Run a `named_cells` statement (built once per process, as listing.py memoises them)."""
    return [
        Cell(cat, brand, cond, int(n), lo, hi, (c_slug, c_name), (b_slug, b_name) if brand is not None else None)
        for cat, brand, cond, n, lo, hi, c_slug, c_name, b_slug, b_name in prepared_rows(stmt, params)
    ]


def live_cells(source: FromClause, where: list[ColumnElement], price_filter: list[ColumnElement]) -> Select:
    """Cells of the rows of `source` (the products table, or search matches with the same facet
    columns) matching `where`; with `price_filter`, `count` counts only the rows in range while
    the bounds span them all."""
    # count(*) rather than count(id): PostgreSQL answers it from a covering index alone.
    in_range = func.count().filter(*price_filter) if price_filter else func.count()
    c = source.c
    grouped = (
        select(
            c.category_id,
            c.brand_id,
            c.condition,
            in_range.label("n"),
            type_coerce(func.min(c.price), BigInteger).label("low"),
            type_coerce(func.max(c.price), BigInteger).label("high"),
        )
        .select_from(source)
        .where(*where)
        .group_by(c.category_id, c.brand_id, c.condition)
        .subquery("cells")
    )
    return named_cells(grouped)


PriceShape = tuple[bool, tuple[tuple[bool, bool], ...]]  # (whole bands?, ((edge has low, has high), ...))


def price_params(low: int | None, high: int | None) -> tuple[PriceShape, dict[str, int]]:
    """A price filter in minor units as the shape of its `stored_cells` statement and its values."""
    full, edges = split_price_range(low, high)
    params: dict[str, int] = {}
    if full is not None:
        params[binds.BAND_FIRST], params[binds.BAND_LAST] = full
    for i, (lo, hi) in enumerate(edges):
        if lo:
            params[binds.edge_low(i)] = lo
        if hi is not None:
            params[binds.edge_high(i)] = hi
    return (full is not None, tuple((bool(lo), hi is not None) for lo, hi in edges)), params


def stored_cells(categories: Select | None, seller: bool, price: PriceShape | None) -> Select:
    """Cells from the precomputed table (no search or stock filter), summed over sellers and
    bands, of the `categories` (a select of ids) when given; parameters `seller` and those of
    `price_params`.

    With a price filter, `count` counts the bands wholly inside it here and the products of the
    partial bands at its ends live, in the same statement; the bounds still span every band
    (a cell row per edge range adds counts and no bounds).
    """
    cell = ProductFacetCell
    counted: ColumnElement = func.sum(cell.product_count)
    if price is not None:
        in_range = (
            cell.price_band.between(bindparam(binds.BAND_FIRST), bindparam(binds.BAND_LAST))
            if price[0]
            else literal(False)
        )
        counted = func.coalesce(func.sum(cell.product_count).filter(in_range), 0)
    stmt = select(
        cell.category_id,
        cell.brand_id,
        cell.condition,
        counted.label("n"),
        type_coerce(func.min(cell.min_price), BigInteger).label("low"),
        type_coerce(func.max(cell.max_price), BigInteger).label("high"),
    ).group_by(cell.category_id, cell.brand_id, cell.condition)
    if categories is not None:
        stmt = stmt.where(cell.category_id.in_(categories))
    if seller:
        stmt = stmt.where(cell.seller_id == bindparam(binds.SELLER))
    parts = [stmt]
    cents = type_coerce(Product.price, BigInteger)
    for i, (has_low, has_high) in enumerate(price[1] if price else ()):
        # One range scan per edge (an OR of ranges would filter the whole category).
        live = (
            select(
                Product.category_id,
                Product.brand_id,
                Product.condition,
                func.count().label("n"),
                type_coerce(null(), BigInteger).label("low"),
                type_coerce(null(), BigInteger).label("high"),
            )
            .where(Product.is_active)
            .group_by(Product.category_id, Product.brand_id, Product.condition)
        )
        if has_low:
            live = live.where(cents >= bindparam(binds.edge_low(i), type_=BigInteger))
        if has_high:
            live = live.where(cents < bindparam(binds.edge_high(i), type_=BigInteger))
        if categories is not None:
            live = live.where(Product.category_id.in_(categories))
        if seller:
            live = live.where(Product.seller_id == bindparam(binds.SELLER))
        parts.append(live)
    return named_cells((union_all(*parts) if len(parts) > 1 else stmt).subquery("cells"))


def summarise(cells: list[Cell], brand_ids: set[int] | None, condition: str | None) -> tuple[int, dict[str, Any]]:
    """(total, facets) from cells, applying the brand and condition filters disjunctively.

    Counts come from `count`; the price range from the cells' bounds, which ignore the price
    filter (cells without bounds only add counts).
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
    low: int | None = None
    high: int | None = None
    for cell in cells:
        names[("category", cell.category_id)] = cell.category
        if cell.brand_id is not None and cell.brand is not None:
            names[("brand", cell.brand_id)] = cell.brand
        if condition_ok(cell) and cell.brand_id is not None and cell.products:
            by_brand[cell.brand_id] += cell.products
        if brand_ok(cell) and cell.products:
            by_condition[cell.condition] += cell.products
        if brand_ok(cell) and condition_ok(cell):
            total += cell.products
            if cell.products:
                by_category[cell.category_id] += cell.products
    for cell in cells:
        if brand_ok(cell) and condition_ok(cell) and cell.min_price is not None and cell.max_price is not None:
            low = cell.min_price if low is None else min(low, cell.min_price)
            high = cell.max_price if high is None else max(high, cell.max_price)
    return total, {
        "categories": _named("category", by_category, names),
        "brands": _named("brand", by_brand, names),
        "condition": [{"value": value, "count": by_condition[value]} for value in sorted(by_condition)],
        "price_range": {"min": from_minor_units(low), "max": from_minor_units(high)},
    }


def _named(kind: str, counts: dict[int, int], names: dict[tuple[str, int], tuple[str, str]]) -> list[dict[str, Any]]:
    items = [{"id": i, "slug": names[(kind, i)][0], "name": names[(kind, i)][1], "count": n} for i, n in counts.items()]
    return sorted(items, key=lambda item: (-item["count"], item["name"]))


def refresh_cells(category_ids: set[int] | None = None) -> None:
    """Rebuild the stored cells of some leaf categories (all when None), in the caller's transaction.

    The categories' rows are locked first: two writers refreshing the same category would
    otherwise each delete the old cells and both insert theirs (READ COMMITTED does not let the
    second DELETE see the first one's new rows), doubling the counts.
    """
    if category_ids is not None and not category_ids:
        return
    lock_categories(category_ids)
    delete_stmt = delete(ProductFacetCell)
    band = price_band(type_coerce(Product.price, BigInteger)).label("band")
    source = select(
        Product.category_id,
        Product.brand_id,
        Product.condition,
        Product.seller_id,
        band,
        func.count(Product.id),
        func.min(Product.price),
        func.max(Product.price),
    ).where(Product.is_active.is_(True))
    if category_ids is not None:
        delete_stmt = delete_stmt.where(ProductFacetCell.category_id.in_(category_ids))
        source = source.where(Product.category_id.in_(category_ids))
    source = source.group_by(Product.category_id, Product.brand_id, Product.condition, Product.seller_id, band)
    db.session.execute(delete_stmt)
    db.session.execute(
        insert(ProductFacetCell).from_select(
            [
                "category_id",
                "brand_id",
                "condition",
                "seller_id",
                "price_band",
                "product_count",
                "min_price",
                "max_price",
            ],
            source,
        )
    )
