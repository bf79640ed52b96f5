"""In-app notifications: written by the domains whose changes they tell of (orders, payments,
returns call `notify` in their own transaction), read and marked read by their user."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy import func, insert, literal, select, update

from app.auth.models import Role, User
from app.common.db import changed_rows
from app.common.pagination import paginate
from app.common.types import utcnow
from app.errors import NotFound
from app.extensions import db
from app.notifications.models import Notification


class Kind(enum.StrEnum):
    ORDER_PLACED = "order_placed"
    ORDER_PAID = "order_paid"
    PAYMENT_FAILED = "payment_failed"
    ORDER_SHIPPED = "order_shipped"
    ORDER_OUT_FOR_DELIVERY = "order_out_for_delivery"
    ORDER_DELIVERED = "order_delivered"
    ORDER_CANCELLED = "order_cancelled"
    ORDER_REFUNDED = "order_refunded"
    ORDER_LINES_CANCELLED = "order_lines_cancelled"  # a seller could not deliver its part
    RETURN_APPROVED = "return_approved"
    RETURN_REJECTED = "return_rejected"
    RETURN_RECEIVED = "return_received"
    RETURN_REFUNDED = "return_refunded"
    # For admins.
    NEW_ORDER = "new_order"
    NEW_RETURN = "new_return"
    PAYMENT_NEEDS_ATTENTION = "payment_needs_attention"
    SELLER_APPLICATION = "seller_application"  # to admins: a new application to decide
    SELLER_STATUS = "seller_status"  # to a seller: approved, rejected, suspended, reinstated, closed
    SELLER_TERMS = "seller_terms"  # to sellers: a new version of the terms to accept
    SELLER_ORDER = "seller_order"  # to a seller: a part of an order to fulfil, or cancelled
    WALLET = "wallet"  # to a customer: topped up, adjusted
    QUESTION_ANSWERED = "question_answered"  # to a customer: their product question has an answer
    PAYOUT = "payout"  # to a payee: paid, failed (and why), its payout number changed
    PAYOUT_NEEDS_ATTENTION = "payout_needs_attention"  # to admins: to approve, paused, unresolved


class NotificationNotFound(NotFound):
    code, title = "notification_not_found", "Notification not found"


def _columns(kind: Kind, title: str, body: str, about: tuple[str, int] | None) -> dict[str, Any]:
    """A notification's columns but its user (the same for one user and for every admin)."""
    return {
        "kind": kind.value,
        "title": title[:200],
        "body": body,
        "subject_type": about[0] if about else None,
        "subject_id": about[1] if about else None,
    }


def notify(user_id: int, kind: Kind, title: str, body: str, about: tuple[str, int] | None = None) -> None:
    """Tell a user something, in the caller's transaction (it is there when the change is)."""
    db.session.add(Notification(user_id=user_id, **_columns(kind, title, body, about)))


def notify_admins(kind: Kind, title: str, body: str, about: tuple[str, int] | None = None) -> None:
    """Tell every active admin: one INSERT ... SELECT, whatever their number (it runs in the
    checkout, and reading the admins first would be one round trip more)."""
    values = {**_columns(kind, title, body, about), "created_at": utcnow()}
    types = Notification.__table__.c
    db.session.execute(
        insert(Notification).from_select(
            ["user_id", *values],
            select(User.id, *(literal(value, types[name].type) for name, value in values.items())).where(
                User.role == Role.ADMIN.value, User.is_active.is_(True)
            ),
        )
    )


def list_notifications(user: User, query: dict[str, Any]) -> dict[str, Any]:
    """The user's notifications, newest first (`unread` only, if asked), with the unread count."""
    stmt = select(Notification).where(Notification.user_id == user.id)
    if query.get("unread"):
        stmt = stmt.where(Notification.read_at.is_(None))
    page = paginate(
        stmt.order_by(Notification.created_at.desc(), Notification.id.desc()), query["page"], query["per_page"]
    )
    page["meta"]["unread_count"] = db.session.scalar(
        select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
    return page


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read (once: a second call keeps the first time)."""
    found = db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )
    if found is None:
        raise NotificationNotFound("No such notification.")
    if found.read_at is None:
        found.read_at = utcnow()
    return found


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return changed_rows(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
