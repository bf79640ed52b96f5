"""Celery tasks of sellers (scheduled on Celery beat: app/common/tasks.py)."""

from __future__ import annotations

from app.extensions import celery
from app.sellers.services.earnings import release_due
from app.sellers.services.payouts import scheduled_payouts


@celery.task(name="sellers.release_earnings")
def release_earnings() -> int:
    """Move to sellers' available balances the earnings of parts delivered RETURN_WINDOW_DAYS
    ago with no open return (a unit of work per part; safe to run twice)."""
    return release_due()


@celery.task(name="sellers.scheduled_payouts")
def run_scheduled_payouts() -> int:
    """Pay out every seller's available balance (PAYOUT_SCHEDULE; weekly by default)."""
    return scheduled_payouts()
