"""The catalog's derived data, kept true from one place: after any flush that adds or changes a
product, or renames a brand or a category, the products' search documents and terms
(search.py) and the facet cells of the categories involved (facets.py) are rebuilt in the same
transaction; a change of a sort key alone (rating, featured position) is copied into the terms.
Services, the CLI and tests write products like any other row and cannot forget a refresh. (A
category's visibility is kept the same way, in models.py.)

Bulk loads that bypass the ORM (demo.py's INSERTs of thousands of rows) refresh explicitly.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.catalog.models import TERM_SORT_KEYS, Brand, Category, Product
from app.catalog.services.facets import refresh_cells
from app.catalog.services.search import copy_sort_keys, refresh_search

# What a product's facet cells count, and what its search document holds.
FACET_FIELDS = ("category_id", "brand_id", "condition", "price", "is_active")
DOCUMENT_FIELDS = ("name", "description", "category_id", "brand_id")
_PENDING = "catalog_derived"


def _changed(obj: Any, keys: tuple[str, ...]) -> list[str]:
    attrs = inspect(obj).attrs
    return [key for key in keys if attrs[key].history.has_changes()]


@event.listens_for(Session, "after_flush")
def _note_catalog_changes(session: Session, _context: Any) -> None:
    pending: dict[str, set[int]] | None = None

    def note(kind: str, value: int | None) -> None:
        nonlocal pending
        if pending is None:
            pending = session.info.setdefault(
                _PENDING,
                {
                    "documents": set(),
                    "terms": set(),
                    "sort_keys": set(),
                    "cells": set(),
                    "categories": set(),
                    "brands": set(),
                },
            )
        if value is not None:
            pending[kind].add(value)

    for obj in session.new:
        if isinstance(obj, Product):
            note("documents", obj.id)
            note("cells", obj.category_id)
    for obj in session.dirty:
        if isinstance(obj, Product):
            documents, facets = _changed(obj, DOCUMENT_FIELDS), _changed(obj, FACET_FIELDS)
            if documents:
                note("documents", obj.id)
            elif facets:
                note("terms", obj.id)  # the terms carry the facet columns
            elif _changed(obj, TERM_SORT_KEYS):
                note("sort_keys", obj.id)  # and the sort keys, which a rewrite of the terms copies too
            if facets:
                note("cells", obj.category_id)
                left: Any = inspect(obj).attrs["category_id"].history.deleted
                for old in left or ():
                    note("cells", old)  # it left that category's cells
        elif isinstance(obj, Category) and _changed(obj, ("name",)):
            note("categories", obj.id)
        elif isinstance(obj, Brand) and _changed(obj, ("name",)):
            note("brands", obj.id)
    for obj in session.deleted:
        if isinstance(obj, Product):
            note("cells", obj.category_id)


@event.listens_for(Session, "after_flush_postexec")
def _refresh_catalog(session: Session, _context: Any) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    if pending["documents"]:
        refresh_search(Product.id.in_(pending["documents"]))
    if pending["terms"] - pending["documents"]:
        refresh_search(Product.id.in_(pending["terms"] - pending["documents"]), documents=False)
    if pending["sort_keys"]:
        copy_sort_keys(Product.id.in_(pending["sort_keys"]))
    if pending["categories"]:
        refresh_search(Product.category_id.in_(pending["categories"]))
    if pending["brands"]:
        refresh_search(Product.brand_id.in_(pending["brands"]))
    if pending["cells"]:
        refresh_cells(pending["cells"])
