"""Queueing and sending emails through the outbox."""
from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from app.common.mail import deliver
from app.common.tasks import after_commit
from app.common.types import utcnow
from app.extensions import db
from app.notifications.models import OutboxEmail

log = logging.getLogger("duka.notifications")

MAX_ATTEMPTS = 5


def queue_email(to: str, subject: str, body: str) -> OutboxEmail:
    """Write an email to the outbox in the caller's transaction; it is sent after commit."""
    from app.notifications.tasks import send_email

    email = OutboxEmail(to=to, subject=subject, body=body)
    db.session.add(email)
    db.session.flush()
    after_commit(send_email, email.id)
    return email


def send_outbox_email(email_id: int) -> bool:
    """Deliver one outbox email if it is still pending. Returns True when it was sent."""
    email = db.session.get(OutboxEmail, email_id)
    if email is None or email.status != "pending":
        return False
    email.attempts += 1
    try:
        deliver(email.to, email.subject, email.body)
    except Exception as exc:
        email.last_error = str(exc)[:500]
        if email.attempts >= MAX_ATTEMPTS:
            email.status = "failed"
        db.session.commit()
        log.warning("email %s not sent (attempt %s): %s", email_id, email.attempts, exc)
        raise
    email.status = "sent"
    email.sent_at = utcnow()
    db.session.commit()
    return True


def pending_email_ids() -> list[int]:
    return list(db.session.scalars(select(OutboxEmail.id).where(OutboxEmail.status == "pending")))


def frontend_link(path: str, **params: str) -> str:
    from urllib.parse import urlencode

    return f"{current_app.config['FRONTEND_URL']}/{path.lstrip('/')}?{urlencode(params)}"
