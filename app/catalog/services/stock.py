"""Taking stock and giving it back: the one rule checkout, cancellations and expiry share.

Stock is changed by conditional UPDATEs in the caller's transaction, never read-then-written:
`SET stock = stock - n WHERE id = :id AND stock >= n` takes the row lock, re-checks the
condition on the current row and says by its rowcount whether there were enough, so stock never
goes below zero whatever the concurrency (the `stock >= 0` check constraint backs it up).
Products are updated in id order, so two orders taking the same products cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select, update

from app.catalog.errors import InsufficientStock
from app.catalog.models import Product
from app.common.db import changed_rows
from app.extensions import db


def take_stock(quantities: Mapping[int, int]) -> None:
    """Take `quantities` ({product id: units}) from stock, all or nothing.

    Raises InsufficientStock naming every product that is short and how many it has left
    (`shortages: [{product_id, requested, available}]`); the caller's unit of work then rolls
    back what was taken."""
    shortages = []
    for product_id in sorted(quantities):
        quantity = quantities[product_id]
        if quantity < 1:
            raise ValueError(f"quantity must be positive, not {quantity}")
        changed = changed_rows(
            update(Product)
            .where(Product.id == product_id, Product.stock >= quantity)
            .values(stock=Product.stock - quantity)
        )
        if changed != 1:
            available = db.session.scalar(select(Product.stock).where(Product.id == product_id))
            shortages.append({"product_id": product_id, "requested": quantity, "available": available or 0})
    if shortages:
        names = ", ".join(f"product {s['product_id']}: {s['available']} left" for s in shortages)
        raise InsufficientStock(f"Not enough stock ({names}).", shortages=shortages)


def give_back_stock(quantities: Mapping[int, int]) -> None:
    """Return `quantities` ({product id: units}) to stock (a cancelled or expired order). The
    caller makes sure it gives back what it took, once (the order's state decides that)."""
    for product_id in sorted(quantities):
        quantity = quantities[product_id]
        if quantity < 1:
            raise ValueError(f"quantity must be positive, not {quantity}")
        db.session.execute(update(Product).where(Product.id == product_id).values(stock=Product.stock + quantity))
