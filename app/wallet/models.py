"""Wallet top-ups: money a customer sends from M-Pesa into its wallet (an STK push each)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.common.money import Money
from app.common.types import UTCDateTime, utcnow
from app.extensions import db


class TopUp(db.Model):
    """One M-Pesa Express prompt to top a wallet up: credited (in the ledger) when Safaricom's
    callback or the STK query says it was paid, once."""

    __tablename__ = "wallet_top_ups"
    __table_args__ = (Index("ix_wallet_top_ups_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    phone: Mapped[str] = mapped_column(String(12))
    amount: Mapped[Decimal] = mapped_column(Money)  # whole shillings
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | succeeded | failed | cancelled
    checkout_request_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    receipt: Mapped[str | None] = mapped_column(String(100), unique=True)
    failure_code: Mapped[str | None] = mapped_column(String(40))
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
