"""`/api/v1/notifications`: a user's in-app notifications."""

from __future__ import annotations

from typing import Any

from flask_jwt_extended import current_user

from app.common.blueprint import Blueprint
from app.common.permissions import login_required
from app.notifications import inbox
from app.notifications.schemas import NotificationOut, NotificationPageOut, NotificationQuery, ReadAllOut

blp = Blueprint("notifications", __name__, url_prefix="/api/v1/notifications", description="In-app notifications")


@blp.get("")
@login_required()
@blp.arguments(NotificationQuery(), location="query")
@blp.response(200, NotificationPageOut)
@blp.doc(operationId="listNotifications")
def list_notifications(query: dict[str, Any]) -> Any:
    """List my notifications, newest first.

    `unread=true` for the unread ones; `meta.unread_count` is the unread count in all.
    """
    return inbox.list_notifications(current_user, query)


@blp.post("/<int:notification_id>/read")
@login_required()
@blp.response(200, NotificationOut)
@blp.doc(operationId="markNotificationRead")
def mark_read(notification_id: int) -> Any:
    """Mark one of my notifications read.

    Someone else's is 404.
    """
    return inbox.mark_read(current_user, notification_id)


@blp.post("/read-all")
@login_required()
@blp.response(200, ReadAllOut)
@blp.doc(operationId="markAllNotificationsRead")
def mark_all_read() -> Any:
    """Mark all my notifications read.

    Returns how many were unread; `meta.unread_count` is then 0.
    """
    return {"marked": inbox.mark_all_read(current_user)}
