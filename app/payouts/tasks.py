"""Celery tasks of payouts (the periodic ones scheduled on Celery beat: app/common/tasks.py)."""

from __future__ import annotations

from app.common.db import unit_of_work
from app.extensions import celery
from app.payouts.services.disbursement import check_unsettled, send, send_due


@celery.task(name="payouts.send")
def send_payout(payout_id: int) -> str:
    """Send one queued payout to Daraja (after the commit that queued it)."""
    with unit_of_work():
        return send(payout_id)


@celery.task(name="payouts.send_due")
def send_due_payouts() -> int:
    """Send queued payouts whose hold passed, or that waited for a resume or a busy moment."""
    return send_due()


@celery.task(name="payouts.check_unsettled")
def check_unsettled_payouts() -> int:
    """Ask Daraja (Transaction Status) about payouts with no result in time; never re-send."""
    return check_unsettled()
