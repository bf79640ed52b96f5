"""Queueing emails through the outbox (delivery lives in delivery.py, run by the task)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import delete, func, select

from app.common.db import after_commit, changed_rows
from app.common.types import utcnow
from app.extensions import db
from app.notifications.models import OutboxEmail
from app.notifications.tasks import send_email


def queue_email(to: str, subject: str, body: str, html: str | None = None) -> OutboxEmail:
    """Write an email to the outbox in the caller's transaction; it is sent after commit."""
    email = OutboxEmail(to=to, subject=subject, body=body, html=html)
    db.session.add(email)
    db.session.flush()
    after_commit(send_email.delay, email.id)
    return email


def emails_sent_to(address: str, within: timedelta) -> int:
    """How many emails the outbox holds for `address` from the last `within` (any status)."""
    since = utcnow() - within
    stmt = select(func.count()).where(OutboxEmail.to == address.lower(), OutboxEmail.created_at > since)
    return db.session.scalar(stmt) or 0


def frontend_link(path: str, **params: str) -> str:
    """A link into the web front end (FRONTEND_URL), e.g. for a token in an email."""
    return f"{current_app.config['FRONTEND_URL']}/{path.lstrip('/')}?{urlencode(params)}"


def forget_recipient(address: str) -> int:
    """Delete every outbox email to `address` (an account being deleted): what was sent, and what
    was still waiting (the account it was for is gone). Returns how many."""
    return changed_rows(delete(OutboxEmail).where(OutboxEmail.to == address.lower()))
