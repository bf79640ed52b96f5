"""The email outbox: a message is a row written with the change that causes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
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
    # pending -> sending (claimed by one sender) -> sent, or back to pending / failed
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
