"""Celery tasks of the wallet (scheduled on Celery beat: app/common/tasks.py)."""

from __future__ import annotations

from app.extensions import celery
from app.wallet.services.topups import reconcile_pending


@celery.task(name="wallet.reconcile_top_ups")
def reconcile_top_ups() -> int:
    """Ask M-Pesa about pending top-ups older than a minute (a lost callback)."""
    return reconcile_pending()
