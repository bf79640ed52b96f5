"""Delivery zones, orders, their lines and their history."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.money import Money
from app.common.types import UTCDateTime, utcnow
from app.extensions import db


class DeliveryZone(db.Model):
    """Where we deliver, for how much and how fast. `counties` are canonical county names;
    `towns`, when given, narrow the zone to those towns of its counties (lower-cased)."""

    __tablename__ = "delivery_zones"
    __table_args__ = (
        CheckConstraint("fee >= 0", name="fee_not_negative"),
        CheckConstraint("days_min >= 0 AND days_max >= days_min", name="days_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    counties: Mapped[list[str]] = mapped_column(JSON)
    towns: Mapped[list[str]] = mapped_column(JSON, default=list)
    fee: Mapped[Decimal] = mapped_column(Money)
    free_over: Mapped[Decimal | None] = mapped_column(Money)
    days_min: Mapped[int] = mapped_column(SmallInteger)
    days_max: Mapped[int] = mapped_column(SmallInteger)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Order(db.Model):
    """An order: what was bought at what price, where it goes, and where it stands. Products,
    prices, the address and the zone are copied in at checkout, so later changes to them do not
    change the order."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_user_created", "user_id", "created_at"),
        Index("ix_orders_status_created", "status", "created_at"),
        # The expiry job's question: unpaid orders past their due time.
        Index("ix_orders_status_payment_due", "status", "payment_due_at"),
        # Checkout's question (unpaid_holdings): the buyer's unpaid orders. Without it
        # PostgreSQL intersected every order of the buyer with every unpaid order in the shop.
        Index(
            "ix_orders_user_unpaid",
            "user_id",
            postgresql_where=text("status = 'pending_payment'"),
            sqlite_where=text("status = 'pending_payment'"),
        ),
        CheckConstraint("total = subtotal + delivery_fee", name="total_adds_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(20))
    payment_method: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    subtotal: Mapped[Decimal] = mapped_column(Money)
    delivery_fee: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    # Of the total, what the customer's wallet pays (held at checkout, spent when the order is
    # paid, given back if it never is); the payment method pays the rest.
    wallet_amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"), server_default="0")
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    delivery_zone_id: Mapped[int | None] = mapped_column(ForeignKey("delivery_zones.id", ondelete="SET NULL"))
    delivery_zone: Mapped[dict[str, Any]] = mapped_column(JSON)  # the zone as it was: name, fee, days
    notes: Mapped[str | None] = mapped_column(Text)
    payment_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # unpaid after this: expired
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # cash orders: when the cash is confirmed
    # Set, once, when the stock the order took goes back (cancel, expiry): never twice.
    stock_returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderLine.id"
    )
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderEvent.id"
    )


class OrderLine(db.Model):
    __tablename__ = "order_lines"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("line_total = unit_price * quantity", name="line_total_adds_up"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="RESTRICT"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str] = mapped_column(String(64))
    unit_price: Mapped[Decimal] = mapped_column(Money)
    quantity: Mapped[int]
    line_total: Mapped[Decimal] = mapped_column(Money)
    # Its seller could not deliver it (cancelled its part): not due, refunded if it was paid.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Its stock went back (the line's seller cancelled it, or the order was cancelled): the claim
    # that makes every line restock once, whichever cancellation comes first.
    restocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    order: Mapped[Order] = relationship(back_populates="lines")


class OrderEvent(db.Model):
    """One change of an order's status: from, to, who (null: the system), when, why."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_kind: Mapped[str] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    order: Mapped[Order] = relationship(back_populates="events")
