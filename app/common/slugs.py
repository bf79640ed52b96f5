"""URL slugs: readable, ASCII, unique per table."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select

from app.extensions import db


def slugify(text: str, max_length: int = 120) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"


def unique_slug(model: Any, text: str, *, exclude_id: int | None = None) -> str:
    """`slugify(text)`, with -2, -3... appended while another row of `model` holds it."""
    base = slugify(text)
    stmt = select(model.slug).where(model.slug.like(f"{base}%"))
    if exclude_id is not None:
        stmt = stmt.where(model.id != exclude_id)
    taken = set(db.session.scalars(stmt))
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def apply_changes(obj: Any, data: dict[str, Any]) -> None:
    """Set the changed fields of a slugged row; `regenerate_slug` makes a new slug from its name."""
    changes = dict(data)
    regenerate = changes.pop("regenerate_slug", False)
    for field, value in changes.items():
        setattr(obj, field, value)
    if regenerate:
        obj.slug = unique_slug(type(obj), obj.name, exclude_id=obj.id)
