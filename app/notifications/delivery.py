"""Sending outbox emails: what the task and `flask send-outbox` run (they import this module;
it imports neither of them).

A row is claimed before it is sent (`pending` -> `sending`, a conditional UPDATE whose rowcount
says who won), so a worker and `flask send-outbox` never both send one email. A row left in
`sending` by a crashed sender is claimable again after SENDING_TIMEOUT.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from sqlalchemy import or_, select, update

from app.common.db import changed_rows, unit_of_work
from app.common.mail import deliver
from app.common.types import utcnow
from app.extensions import db
from app.notifications.models import OutboxEmail

log = logging.getLogger("duka.notifications")

MAX_ATTEMPTS = 5
SENDING_TIMEOUT = timedelta(minutes=10)  # longer than any SMTP conversation


def claim(email_id: int) -> bool:
    """Take the row for this sender: True when it was pending (or stuck in `sending`)."""
    now = utcnow()
    claimed = changed_rows(
        update(OutboxEmail)
        .where(
            OutboxEmail.id == email_id,
            or_(
                OutboxEmail.status == "pending",
                (OutboxEmail.status == "sending") & (OutboxEmail.claimed_at < now - SENDING_TIMEOUT),
            ),
        )
        .values(status="sending", claimed_at=now, attempts=OutboxEmail.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return claimed == 1


def send_outbox_email(email_id: int) -> bool:
    """Deliver one outbox email if this sender claims it. Returns True when it was sent; a
    delivery failure leaves it pending for a retry (failed after MAX_ATTEMPTS) and re-raises."""
    with unit_of_work():
        if not claim(email_id):
            return False
    email = db.session.get(OutboxEmail, email_id, populate_existing=True)
    assert email is not None  # claimed just now
    try:
        deliver(email.to, email.subject, email.body, email.html)
    except Exception as exc:
        with unit_of_work():
            email.status = "failed" if email.attempts >= MAX_ATTEMPTS else "pending"
            email.last_error = str(exc)[:500]
        log.warning("email %s not sent (attempt %s): %s", email_id, email.attempts, exc)
        raise
    with unit_of_work():
        email.status = "sent"
        email.sent_at = utcnow()
        email.body = without_secrets(email.body)  # a sent link's token has no business at rest
        email.html = without_secrets(email.html) if email.html else None
    return True


_SECRET_PARAMETER = re.compile(r"([?&]token=)[^&\s]+")


def without_secrets(body: str) -> str:
    """The body with the values of `token=` link parameters removed."""
    return _SECRET_PARAMETER.sub(r"\1[removed once sent]", body)


def pending_email_ids() -> list[int]:
    """Emails waiting to be sent, and those stuck in `sending` past the timeout."""
    stuck = (OutboxEmail.status == "sending") & (OutboxEmail.claimed_at < utcnow() - SENDING_TIMEOUT)
    return list(
        db.session.scalars(
            select(OutboxEmail.id).where(or_(OutboxEmail.status == "pending", stuck)).order_by(OutboxEmail.id)
        )
    )


def send_pending() -> tuple[int, list[tuple[int, str]]]:
    """Send every pending email (and those stuck in `sending`): what the beat job and `flask
    send-outbox` run after an SMTP or broker outage, or a crash between commit and send. Returns
    how many were sent and the (id, error) of those that failed (left for the next round)."""
    sent, failed = 0, []
    for email_id in pending_email_ids():
        try:
            sent += send_outbox_email(email_id)
        except Exception as exc:  # keep going: one bad address must not block the rest
            failed.append((email_id, str(exc)))
    return sent, failed
