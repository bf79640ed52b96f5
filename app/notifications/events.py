"""Notifications' reactions to other domains' signals."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete

from app.auth.signals import account_deleted
from app.extensions import db
from app.notifications.models import Notification


@account_deleted.connect
def _forget_notifications(_sender: Any, *, user_id: int, **_: Any) -> None:
    db.session.execute(delete(Notification).where(Notification.user_id == user_id))
