"""Full-text search: product documents, the search-terms index, and matching a query.

PostgreSQL keeps two structures, both written in the same transaction as the product:

- `products.search_vector`: the weighted tsvector of a product (name A, brand and category B,
  description C) with a GIN index. It answers any websearch query (OR, -word, "phrases").
- `product_terms`: one row per (lexeme, active product) with the lexeme's ts_rank in that product
  and the product's facet columns. A plain query ("samsung phone") is answered from it alone:
  the matches of a common word, their facet counts and their best page are index-only range
  scans of one btree, where the GIN route reads every matching product's row from the heap
  (measured on 100,000 products: 'phone', 7,000 matches, 22 ms of SQL down to 2-3 ms).
  Relevance there is the sum over the query's words of ts_rank(document, word), which for a
  one-word query is exactly the GIN route's ts_rank.

SQLite has neither: it matches the columns with LIKE (see listing.py). Same API, same tests.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.sql import FromClause

from app.catalog.models import TERM_FACETS, TERM_SORT_KEYS, Brand, Category, Product, ProductTerm
from app.catalog.services import binds
from app.common.db import is_postgresql
from app.common.reads import prepared_rows
from app.extensions import db

TS_CONFIG = "english"
MAX_TERMS = 10  # plain queries with more words take the GIN route; SQLite matches the first 10


def search_document() -> ColumnElement:
    """The weighted tsvector of a product: name (A), brand and category (B), description (C)."""
    brand_name = select(Brand.name).where(Brand.id == Product.brand_id).scalar_subquery()
    category_name = select(Category.name).where(Category.id == Product.category_id).scalar_subquery()

    def weighted(text: Any, weight: str) -> ColumnElement:
        return func.setweight(func.to_tsvector(literal(TS_CONFIG), func.coalesce(text, "")), weight)

    return (
        weighted(Product.name, "A")
        .op("||")(weighted(brand_name, "B"))
        .op("||")(weighted(category_name, "B"))
        .op("||")(weighted(Product.description, "C"))
    )


def refresh_search(where: ColumnElement, *, documents: bool = True) -> None:
    """Recompute the search document (unless `documents` is False) and the terms of the products
    matching `where`, in the caller's transaction. PostgreSQL only; SQLite searches the columns.

    Call it after any write that changes what a product's document or facet columns hold:
    name, description, brand or category (or their names), price, condition, activity.
    """
    if not is_postgresql():
        return
    if documents:
        db.session.execute(
            update(Product)
            .where(where)
            .values(search_vector=search_document())
            .execution_options(synchronize_session=False)
        )
    db.session.execute(delete(ProductTerm).where(ProductTerm.product_id.in_(select(Product.id).where(where))))
    # One row per lexeme of the document. Its score is ts_rank against that lexeme alone: the
    # lexeme is quoted into a tsquery literal (no parsing or stemming), so it is matched as is.
    entry = func.unnest(Product.search_vector).table_valued("lexeme", "positions", "weights").render_derived("entry")
    quoted = func.replace(func.replace(entry.c.lexeme, "\\", "\\\\"), "'", "''")
    as_query = cast(literal("'") + quoted + literal("'"), TSQUERY)
    carried = (*TERM_FACETS, *TERM_SORT_KEYS)
    rows = (
        select(
            entry.c.lexeme,
            Product.id,
            func.ts_rank(Product.search_vector, as_query),
            *(Product.__table__.c[name] for name in carried),
        )
        .select_from(Product)
        .join(entry, literal(True))
        .where(where, Product.is_active.is_(True), Product.search_vector.is_not(None))
    )
    db.session.execute(insert(ProductTerm).from_select(["lexeme", "product_id", "score", *carried], rows))


def copy_sort_keys(where: ColumnElement) -> None:
    """Copy the sort keys (rating, featured position) of the products matching `where` into
    their search terms, in the caller's transaction: what a change of those alone needs, in
    place of rewriting the terms. PostgreSQL only, like the terms."""
    if not is_postgresql():
        return
    db.session.execute(
        update(ProductTerm)
        .where(ProductTerm.product_id == Product.id, where)
        .values({name: Product.__table__.c[name] for name in TERM_SORT_KEYS})
        .execution_options(synchronize_session=False)
    )


_LEXEME = re.compile(r"'((?:[^']|'')+)'")
_AND = re.compile(r"\s*&\s*")


_PARSE = select(func.websearch_to_tsquery(literal(TS_CONFIG), bindparam("q")).cast(Text))


@lru_cache(maxsize=4096)
def _parsed(q: str) -> str:
    # The parse depends only on q and the text search configuration, which does not change
    # while the app runs; shoppers repeat searches, so each distinct q costs one round trip
    # per process (4,096 queries of at most 200 characters: under 2 MB).
    return prepared_rows(_PARSE, {"q": q})[0][0] or ""


def plain_terms(q: str) -> list[str] | None:
    """The lexemes of `q` when it is a plain AND of words (as websearch_to_tsquery reads it),
    [] when it has no searchable word (only stop words), None when it uses operators
    (OR, -word, "phrase") or has too many words: those take the GIN route."""
    parsed = _parsed(q)
    if not parsed.strip():
        return []
    lexemes: list[str] = []
    for part in _AND.split(parsed.strip()):
        match = _LEXEME.fullmatch(part)
        if match is None:
            return None  # |, !, <->, parentheses, prefix or weight marks
        lexemes.append(match.group(1).replace("''", "'"))
    lexemes = list(dict.fromkeys(lexemes))
    return lexemes if len(lexemes) <= MAX_TERMS else None


def term_matches(words: int) -> FromClause:
    """The active products holding every one of `words` lexemes (parameter `lexemes`):
    product_id, score (summed ts_rank), the facet columns and the sort keys, as a subquery. One
    lexeme is a range of the covering index; more are grouped by product."""
    t = ProductTerm
    columns = tuple(t.__table__.c[name] for name in (*TERM_FACETS, *TERM_SORT_KEYS))
    if words == 1:
        stmt: Select = select(t.product_id, t.score, *columns).where(t.lexeme == bindparam(binds.LEXEME))
    else:
        stmt = (
            select(t.product_id, func.sum(t.score).label("score"), *(func.min(c).label(c.key) for c in columns))
            .where(t.lexeme.in_(bindparam(binds.LEXEMES, expanding=True)))
            .group_by(t.product_id)
            .having(func.count() == words)
        )
    return stmt.subquery("matches")


def term_params(lexemes: list[str]) -> dict[str, Any]:
    """The parameters of `term_matches(len(lexemes))`."""
    return {binds.LEXEME: lexemes[0]} if len(lexemes) == 1 else {binds.LEXEMES: lexemes}


def gin_match() -> tuple[ColumnElement, ColumnElement]:
    """(where clause, relevance) over products for any websearch query (parameter `q`): the
    GIN route."""
    query = func.websearch_to_tsquery(literal(TS_CONFIG), bindparam(binds.QUERY))
    return Product.search_vector.op("@@")(query), func.ts_rank(Product.search_vector, query)
