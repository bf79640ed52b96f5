"""The category tree and brands."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, func, select, true
from sqlalchemy.orm import InstrumentedAttribute
from werkzeug.datastructures import FileStorage

from app.catalog.errors import BrandNotFound, CategoryNotFound, InUse
from app.catalog.models import Brand, Category, Product
from app.catalog.services import binds
from app.common.db import is_postgresql
from app.common.pagination import paginate
from app.common.slugs import apply_changes, unique_slug
from app.common.storage import media_url, replace_image
from app.errors import ValidationFailed
from app.extensions import db


def category_tree() -> list[dict[str, Any]]:
    """Every visible category as nested dicts (`children`), roots first, by name; one query."""
    categories = db.session.scalars(select(Category).where(Category.is_visible).order_by(Category.name)).all()
    nodes: dict[int, dict[str, Any]] = {c.id: {"category": c, "children": []} for c in categories}
    roots: list[dict[str, Any]] = []
    for category in categories:
        node = nodes[category.id]
        if category.parent_id is None:
            roots.append(node)
        else:
            nodes[category.parent_id]["children"].append(node)  # a visible category's parent is visible
    return [_flatten(node) for node in roots]


def _flatten(node: dict[str, Any]) -> dict[str, Any]:
    category = node["category"]
    return {
        "id": category.id,
        "name": category.name,
        "slug": category.slug,
        "description": category.description,
        "image_url": media_url(category.image_path),
        "parent_id": category.parent_id,
        "is_active": category.is_active,
        "children": [_flatten(child) for child in node["children"]],
    }


def get_category(category_id: int) -> Category:
    """A category by id, active or not (404 when missing)."""
    category = db.session.get(Category, category_id)
    if category is None:
        raise CategoryNotFound("No such category.")
    return category


def public_category_by_slug(slug: str) -> dict[str, Any]:
    """An active category with its active subtree."""
    for root in category_tree():
        found = _find(root, slug)
        if found:
            return found
    raise CategoryNotFound("No such category.")


def _find(node: dict[str, Any], slug: str) -> dict[str, Any] | None:
    if node["slug"] == slug:
        return node
    for child in node["children"]:
        found = _find(child, slug)
        if found:
            return found
    return None


def descendant_ids(category_id: int) -> list[int]:
    """The category and every category below it, active or not (one recursive CTE)."""
    return list(db.session.scalars(subtree(active=False), {binds.SUBTREE_ROOT: category_id}))


@lru_cache(maxsize=2)
def subtree(*, active: bool) -> Select:
    """The ids of a category's subtree, from the bound parameter `subtree_root`: an id, or with
    `active` the slug of a visible category (and then only its visible descendants). Usable
    as `column.in_(subtree(...))` inside another statement. Built once per process."""
    start: ColumnElement[bool]
    step: ColumnElement[bool] | InstrumentedAttribute[bool]
    if active:
        start, step = and_(Category.slug == bindparam(binds.SUBTREE_ROOT), Category.is_visible), Category.is_visible
    else:
        start, step = Category.id == bindparam(binds.SUBTREE_ROOT), true()
    tree = select(Category.id).where(start).cte("tree", recursive=True)
    tree = tree.union_all(select(Category.id).where(Category.parent_id == tree.c.id, step))
    return select(tree.c.id)


def _check_parent(category_id: int | None, parent_id: int | None) -> None:
    if parent_id is None:
        return
    if db.session.get(Category, parent_id) is None:
        raise ValidationFailed.field("parent_id", "No such category.")
    if category_id is not None and parent_id in descendant_ids(category_id):
        raise ValidationFailed.field("parent_id", "A category cannot move under itself or its descendants.")


def lock_categories(category_ids: set[int] | None = None) -> None:
    """PostgreSQL: lock these category rows (all when None), always in id order so that two
    writers cannot deadlock, until the transaction ends. Serialises the writers that derive data
    from a category: facet cells (refresh_cells) and the tree's visibility (a parent deactivated
    while a child is added under it: the second writer sees the first). FOR NO KEY UPDATE:
    product inserts (KEY SHARE through their foreign key) go on."""
    if not is_postgresql():
        return  # SQLite: one writer at a time anyway (BEGIN IMMEDIATE)
    lock = select(Category.id).order_by(Category.id).with_for_update(key_share=True)
    if category_ids is not None:
        lock = lock.where(Category.id.in_(category_ids))
    db.session.execute(lock).all()


def create_category(data: dict[str, Any]) -> Category:
    """Add a category (under `parent_id`, or as a root)."""
    lock_categories()
    _check_parent(None, data.get("parent_id"))
    category = Category(**data, slug=unique_slug(Category, data["name"]))
    db.session.add(category)
    return category


def update_category(category_id: int, data: dict[str, Any]) -> Category:
    """Rename, move or (de)activate a category; the slug stays unless `regenerate_slug`.
    Moving or (de)activating one shows or hides its whole subtree and their products."""
    moves = bool({"parent_id", "is_active"} & data.keys())
    if moves:
        lock_categories()
    category = get_category(category_id)
    if "parent_id" in data:
        _check_parent(category.id, data["parent_id"])
    apply_changes(category, data)
    db.session.flush()  # visibility (models.py) and a renamed category's search documents (events.py)
    return category


def set_category_image(category_id: int, upload: FileStorage) -> Category:
    """Store a category's image (checked and re-encoded); the old file goes."""
    category = get_category(category_id)
    replace_image(category, "image_path", upload, "categories", max_side=800)
    return category


def set_brand_logo(brand_id: int, upload: FileStorage) -> Brand:
    """Store a brand's logo (checked and re-encoded); the old file goes."""
    brand = get_brand(brand_id)
    replace_image(brand, "logo_path", upload, "brands", max_side=800)
    return brand


def delete_category(category_id: int) -> None:
    """Delete an empty category; one with products or subcategories is 409 (deactivate it instead)."""
    category = get_category(category_id)
    children = db.session.scalar(select(func.count()).where(Category.parent_id == category.id))
    products = db.session.scalar(select(func.count()).where(Product.category_id == category.id))
    if children or products:
        raise InUse(f"The category has {children} subcategories and {products} products; deactivate it instead.")
    db.session.delete(category)


def list_brands(page: int, per_page: int) -> dict[str, Any]:
    """One page of every brand, by name."""
    return paginate(select(Brand).order_by(Brand.name, Brand.id), page, per_page)


def get_brand(brand_id: int) -> Brand:
    """A brand by id (404 when missing)."""
    brand = db.session.get(Brand, brand_id)
    if brand is None:
        raise BrandNotFound("No such brand.")
    return brand


def create_brand(data: dict[str, Any]) -> Brand:
    """Add a brand with a unique slug made from its name."""
    brand = Brand(**data, slug=unique_slug(Brand, data["name"]))
    db.session.add(brand)
    return brand


def update_brand(brand_id: int, data: dict[str, Any]) -> Brand:
    """Change a brand; a rename refreshes its products' search documents, the slug stays unless asked."""
    brand = get_brand(brand_id)
    apply_changes(brand, data)
    db.session.flush()  # a rename rebuilds its products' search documents (app/catalog/events.py)
    return brand


def delete_brand(brand_id: int) -> None:
    """Delete a brand no product carries (409 otherwise)."""
    brand = get_brand(brand_id)
    products = db.session.scalar(select(func.count()).where(Product.brand_id == brand.id))
    if products:
        raise InUse(f"{products} products carry this brand.")
    db.session.delete(brand)


def ancestry(category_ids: set[int]) -> dict[int, list[int]]:
    """Each category's path up the tree, itself first, its root last (commission rates are
    found on the nearest category that has one). Reads the (small) tree of ids once."""
    parents = dict(db.session.execute(select(Category.id, Category.parent_id)).tuples().all())
    paths: dict[int, list[int]] = {}
    for category_id in category_ids:
        path: list[int] = []
        current: int | None = category_id
        while current is not None and current not in path:  # (a cycle is refused on write; guard anyway)
            path.append(current)
            current = parents.get(current)
        paths[category_id] = path
    return paths
