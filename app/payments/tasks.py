"""Celery tasks of payments (scheduled on Celery beat: app/common/tasks.py)."""

from __future__ import annotations

from app.extensions import celery
from app.payments.services import reconcile_pending


@celery.task(name="payments.reconcile_pending")
def reconcile_pending_payments() -> int:
    """Ask M-Pesa about pending payments older than a minute (a lost callback settles them)."""
    return reconcile_pending()  # a unit of work per payment
