"""The one pagination style: `?page=&per_page=` in, `{"items", "meta"}` out."""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import Select, func, select

from app.extensions import db


def paginate(stmt: Select, page: int, per_page: int) -> dict[str, Any]:
    """Run `stmt` for one page and count the whole result, in two queries."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return {"items": items, "meta": page_meta(page, per_page, total)}


def page_meta(page: int, per_page: int, total: int) -> dict[str, int]:
    """The `meta` of a page, for lists that count their total some other way."""
    return {"page": page, "per_page": per_page, "total": total, "pages": math.ceil(total / per_page) if total else 0}
