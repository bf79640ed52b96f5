"""Payments of orders, and every provider callback as it was received."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.common.money import Money
from app.common.types import UTCDateTime, utcnow
from app.extensions import db


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


class Provider(enum.StrEnum):
    MPESA = "mpesa"
    PAYSTACK = "paystack"
    PAYPAL = "paypal"
    CASH = "cash"
    WALLET = "wallet"  # store credit: held at checkout, spent when the order is paid


class Payment(db.Model):
    """One attempt to pay an order. Several per order; at most one settles it. A second success
    for a paid order is kept and flagged `needs_refund`: money is never taken twice silently."""

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_order_created", "order_id", "created_at"),
        Index("ix_payments_status_created", "status", "created_at"),
        UniqueConstraint("provider", "provider_reference", name="uq_payments_provider_reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    provider: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=PaymentStatus.PENDING.value)
    # What was asked of the provider, in the provider's currency (KES for M-Pesa, whole shillings).
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    # The order's total in the store currency this payment is for.
    order_amount: Mapped[Decimal] = mapped_column(Money)
    # Store currency per unit of `currency` when converted (PayPal charges USD for a KES order).
    exchange_rate: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    # The provider's id of the attempt (M-Pesa CheckoutRequestID, Paystack reference, PayPal order id).
    provider_reference: Mapped[str | None] = mapped_column(String(100))
    # The provider's id of the money movement (M-Pesa receipt, PayPal capture), once paid.
    receipt: Mapped[str | None] = mapped_column(String(100), unique=True)
    phone: Mapped[str | None] = mapped_column(String(16))
    amount_paid: Mapped[Decimal | None] = mapped_column(Money)
    failure_code: Mapped[str | None] = mapped_column(String(40))
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    needs_review: Mapped[bool] = mapped_column(default=False)  # e.g. paid another amount than asked
    needs_refund: Mapped[bool] = mapped_column(default=False)  # paid an order already paid
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    refunds: Mapped[list[Refund]] = relationship(order_by="Refund.id", viewonly=True)

    @property
    def checkout_request_id(self) -> str | None:
        """M-Pesa's name for the attempt's id (null for other providers)."""
        return self.provider_reference if self.provider == Provider.MPESA.value else None


class PaymentEvent(db.Model):
    """A callback or webhook exactly as received, written before it is acted on, so a dispute can
    be settled from this log alone. `dedupe_key` makes a provider event count once."""

    __tablename__ = "payment_events"
    __table_args__ = (UniqueConstraint("provider", "dedupe_key", name="uq_payment_events_provider_dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(40))  # callback | webhook | query
    dedupe_key: Mapped[str | None] = mapped_column(String(150))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id", ondelete="SET NULL"), index=True)
    raw_body: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    authenticated: Mapped[bool]
    outcome: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @validates("outcome")
    def _fits(self, _key: str, value: str | None) -> str | None:
        # Outcomes quote what providers sent (an event type, a reason): never more than the column.
        return value[:200] if value is not None else None


class RefundStatus(enum.StrEnum):
    REQUESTED = "requested"  # recorded, not yet sent to the provider
    PENDING = "pending"  # the provider accepted it and is processing it
    SUCCEEDED = "succeeded"  # done (a manual refund: done outside, its reference entered)
    FAILED = "failed"


class RefundDestination(enum.StrEnum):
    ORIGINAL = "original"  # back where it came from: the card, PayPal, the M-Pesa number, cash
    WALLET = "wallet"  # into the customer's wallet, at once (store credit)


class Refund(db.Model):
    """Money given back on a payment. The sum of a payment's refunds that did not fail never
    exceeds what it captured (checked under the payment's row lock)."""

    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    # What it gives back in the store currency, when a converted payment (PayPal in USD) is
    # refunded an amount owed in KES: the cent it cannot pay is the books' rounding, not owed.
    store_amount: Mapped[Decimal | None] = mapped_column(Money)
    destination: Mapped[str] = mapped_column(
        String(10), default=RefundDestination.ORIGINAL.value, server_default=RefundDestination.ORIGINAL.value
    )
    status: Mapped[str] = mapped_column(String(20), default=RefundStatus.REQUESTED.value)
    provider_reference: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(300))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # None: the system
    failure_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
