"""Celery tasks of the cart (scheduled on Celery beat: app/common/tasks.py)."""

from __future__ import annotations

from app.cart.lifecycle import purge_expired_guest_carts
from app.common.db import unit_of_work
from app.extensions import celery


@celery.task(name="cart.purge_expired")
def purge_expired() -> int:
    """Delete guest carts past GUEST_CART_DAYS since their last change."""
    with unit_of_work():
        return purge_expired_guest_carts()
