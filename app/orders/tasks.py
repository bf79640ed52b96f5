"""Celery tasks of orders (scheduled on Celery beat: app/common/tasks.py)."""

from __future__ import annotations

from app.common.db import unit_of_work
from app.common.idempotency import purge_expired_keys
from app.extensions import celery
from app.orders.services.orders import expire_unpaid


@celery.task(name="orders.expire_unpaid")
def expire_unpaid_orders() -> int:
    """Cancel and restock orders unpaid after ORDER_PAYMENT_TIMEOUT_MINUTES (cash excepted)."""
    return expire_unpaid()  # a unit of work per order


@celery.task(name="orders.purge_idempotency_keys")
def purge_idempotency_keys() -> int:
    """Delete Idempotency-Key records older than IDEMPOTENCY_KEY_HOURS."""
    with unit_of_work():
        return purge_expired_keys()
