"""Celery tasks of the notifications domain. Tasks take ids, never ORM objects."""

from __future__ import annotations

from app.extensions import celery
from app.notifications.delivery import send_outbox_email, send_pending


@celery.task(name="notifications.send_email", bind=True, max_retries=4)
def send_email(self, email_id: int) -> bool:  # type: ignore[no-untyped-def]
    try:
        return send_outbox_email(email_id)
    except Exception as exc:
        if self.app.conf.task_always_eager:
            return False  # left pending; `flask send-outbox` retries
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc


@celery.task(name="notifications.send_pending")
def send_pending_emails() -> int:
    """Re-send what is still pending (beat): a failed delivery's retries ran out, the broker was
    down when the email was queued, or the process died between the commit and the send."""
    sent, _failed = send_pending()
    return sent
