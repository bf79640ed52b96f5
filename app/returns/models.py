"""Return requests: which lines of a delivered order come back, and what became of them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.money import Money
from app.common.types import UTCDateTime, utcnow
from app.extensions import db


class ReturnRequest(db.Model):
    __tablename__ = "returns"
    __table_args__ = (Index("ix_returns_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="requested")
    reason: Mapped[str] = mapped_column(String(30))
    details: Mapped[str | None] = mapped_column(Text)
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    # What was refunded (store currency) and the payment refund that carried it.
    refund_amount: Mapped[Decimal | None] = mapped_column(Money)
    # Where the customer wants the refund: back where the money came from, or into the wallet.
    refund_to: Mapped[str] = mapped_column(String(10), default="original", server_default="original")
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id", ondelete="SET NULL"))
    restocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # claimed once: stock goes back once
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="ReturnLine.id"
    )
    events: Mapped[list[ReturnEvent]] = relationship(cascade="all, delete-orphan", order_by="ReturnEvent.id")
    images: Mapped[list[ReturnImage]] = relationship(cascade="all, delete-orphan", order_by="ReturnImage.id")


class ReturnImage(db.Model):
    """An evidence photo of a return (checked by content and re-encoded, as every upload)."""

    __tablename__ = "return_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReturnLine(db.Model):
    __tablename__ = "return_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="RESTRICT"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"))
    name: Mapped[str] = mapped_column(String(200))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    quantity: Mapped[int]

    request: Mapped[ReturnRequest] = relationship(back_populates="lines")


class ReturnEvent(db.Model):
    """One change of a return's status: from, to, who (null: the system), when, why."""

    __tablename__ = "return_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_kind: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
