"""The email outbox and in-app notifications: each a row written with the change that causes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.common.types import UTCDateTime, utcnow
from app.extensions import db


class OutboxEmail(db.Model):
    __tablename__ = "outbox_emails"
    # The per-recipient cap counts an address's recent emails (auth/services.py).
    __table_args__ = (Index("ix_outbox_emails_to_created_at", "to", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)  # the HTML alternative, for templated emails
    # pending -> sending (claimed by one sender) -> sent, or back to pending / failed
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Notification(db.Model):
    """An in-app notification: what happened, about which object, and whether it was read.
    Written in the same transaction as the change it tells of."""

    __tablename__ = "notifications"
    # A user's inbox, newest first, and its unread count.
    __table_args__ = (Index("ix_notifications_user_read_created", "user_id", "read_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    subject_type: Mapped[str | None] = mapped_column(
        String(20)
    )  # order | return | payment | seller_account | terms | seller_order
    subject_id: Mapped[int | None]
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
