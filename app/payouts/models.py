"""Payouts (one M-Pesa B2C transaction each), their history, and the switch that pauses them all."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.money import Money
from app.common.types import UTCDateTime, utcnow
from app.extensions import db


class Payout(db.Model):
    """Whole shillings sent to one M-Pesa number in one B2C transaction. Claimed from the
    payee's balance into `in payout` in the ledger when made; paid, or given back when it fails
    or is rejected. `originator_id` is Daraja's OriginatorConversationID: ours, unique, the
    idempotency key of the disbursement (a retry never pays twice) and the key of its status
    query."""

    __tablename__ = "payouts"
    __table_args__ = (
        Index("ix_payouts_status_due", "status", "next_check_at"),
        Index("ix_payouts_seller_created", "seller_id", "created_at"),
        Index("ix_payouts_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    originator_id: Mapped[str] = mapped_column(String(64), unique=True)
    payee: Mapped[str] = mapped_column(String(10))  # seller | wallet
    seller_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))  # who receives it
    phone: Mapped[str] = mapped_column(String(12))  # 2547XXXXXXXX
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    origin: Mapped[str] = mapped_column(String(10))  # request | schedule | retry
    batch: Mapped[str] = mapped_column(String(32), index=True)  # payouts made by one request share it
    retry_of_id: Mapped[int | None] = mapped_column(ForeignKey("payouts.id", ondelete="SET NULL"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a new payout number's hold
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when to ask Daraja (no result yet)
    checks: Mapped[int] = mapped_column(default=0)
    conversation_id: Mapped[str | None] = mapped_column(String(100))
    receipt: Mapped[str | None] = mapped_column(String(100), unique=True)  # the M-Pesa transaction id
    recipient_name: Mapped[str | None] = mapped_column(String(120))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result_code: Mapped[str | None] = mapped_column(String(20))
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    needs_review: Mapped[bool] = mapped_column(default=False)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    events: Mapped[list[PayoutEvent]] = relationship(order_by="PayoutEvent.id", viewonly=True)


class PayoutEvent(db.Model):
    __tablename__ = "payout_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    payout_id: Mapped[int] = mapped_column(ForeignKey("payouts.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_kind: Mapped[str] = mapped_column(String(10))  # seller | customer | admin | system | mpesa
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PayoutControl(db.Model):
    """One row: whether payouts are paused for everyone (an M-Pesa answer that our set-up is
    wrong pauses them; an admin resumes them), and why."""

    __tablename__ = "payout_control"

    id: Mapped[int] = mapped_column(primary_key=True)
    paused: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(String(300))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
