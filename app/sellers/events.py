"""Sellers' answers to the catalog's questions."""

from __future__ import annotations

from typing import Any

from app.catalog.signals import seller_changing_products
from app.orders.signals import order_placed, order_status_changed
from app.sellers.services.orders import follow_order, split_order
from app.sellers.services.terms import require_accepted


@seller_changing_products.connect
def _terms_accepted(seller: Any, **_: Any) -> None:
    require_accepted(seller.id)


@order_placed.connect
def _split(order: Any, **_: Any) -> None:
    split_order(order)


@order_status_changed.connect
def _follow(order: Any, *, previous: str, actor: Any, **_: Any) -> None:
    user = getattr(actor, "user", None)
    follow_order(order, order.status, user.id if user else None, "system" if user is None else "admin")
