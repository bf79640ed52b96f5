"""Celery tasks of payments (scheduled on Celery beat: app/common/tasks.py)."""

from __future__ import annotations

from app.common.db import unit_of_work
from app.extensions import celery
from app.payments.models import RefundStatus
from app.payments.services.refunds import send_requested_refund
from app.payments.services.settlement import reconcile_pending


@celery.task(name="payments.reconcile_pending")
def reconcile_pending_payments() -> int:
    """Ask M-Pesa about pending payments older than a minute (a lost callback settles them)."""
    return reconcile_pending()  # a unit of work per payment


@celery.task(name="payments.send_refund", bind=True, max_retries=5)
def send_refund(self, refund_id: int) -> str:  # type: ignore[no-untyped-def]
    """Send a requested refund (a cancelled paid order's) to its provider, retrying while it is down."""
    with unit_of_work():
        status = send_requested_refund(refund_id)
    if status == RefundStatus.REQUESTED.value and not self.app.conf.task_always_eager:
        raise self.retry(countdown=60 * 2**self.request.retries)
    return status
