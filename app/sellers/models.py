"""Seller accounts: an application that becomes a store, with its business details, its
verification documents and the history of its status."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.money import Money
from app.common.types import UTCDateTime, utcnow
from app.extensions import db
from app.sellers.status import OPEN

_OPEN = "status IN (" + ", ".join(f"'{status}'" for status in OPEN) + ")"


class SellerAccount(db.Model):
    """One user's seller account: made `pending` by an application; approval opens its store
    (the catalog's Seller, `store_id`). A rejected or closed account stays as a record; its user
    may apply again."""

    __tablename__ = "seller_accounts"
    __table_args__ = (
        # One open account per user: a second application is refused, also when two race.
        Index(
            "uq_seller_accounts_open_user",
            "user_id",
            unique=True,
            postgresql_where=text(_OPEN),
            sqlite_where=text(_OPEN),
        ),
        Index("ix_seller_accounts_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    store_id: Mapped[int | None] = mapped_column(ForeignKey("sellers.id", ondelete="RESTRICT"), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    kind: Mapped[str] = mapped_column(String(20))
    store_name: Mapped[str] = mapped_column(String(120))
    about: Mapped[str] = mapped_column(Text, default="")
    contact_phone: Mapped[str] = mapped_column(String(16))
    contact_email: Mapped[str] = mapped_column(String(254))
    pickup_county: Mapped[str] = mapped_column(String(40))
    pickup_town: Mapped[str] = mapped_column(String(80))
    social_links: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    kra_pin: Mapped[str | None] = mapped_column(String(11))
    registration_number: Mapped[str | None] = mapped_column(String(40))
    status_reason: Mapped[str | None] = mapped_column(String(500))  # why it was rejected or suspended
    # Where payouts go (E.164); the contact phone until the seller sets one. Payouts to a number
    # set since `payout_phone_set_at` wait PAYOUT_NUMBER_HOLD_HOURS from then.
    payout_phone: Mapped[str | None] = mapped_column(String(16))
    payout_phone_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    events: Mapped[list[SellerEvent]] = relationship(cascade="all, delete-orphan", order_by="SellerEvent.id")
    documents: Mapped[list[SellerDocument]] = relationship(cascade="all, delete-orphan", order_by="SellerDocument.id")

    # Where the account stands with the seller terms: set by the reads of one account
    # (sellers.terms.with_terms_status), None in lists. Not a column.
    terms_status = None


class SellerEvent(db.Model):
    """One change of a seller account's status: from, to, who, when, why."""

    __tablename__ = "seller_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("seller_accounts.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SellerDocument(db.Model):
    """A verification document of an application (a photo of a certificate or an ID): private
    media on signed links, as return photos are."""

    __tablename__ = "seller_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("seller_accounts.id", ondelete="CASCADE"), index=True)
    path: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TermsVersion(db.Model):
    """A version of the platform's terms for sellers: markdown text, in effect from a time.
    The version in effect is the newest whose `effective_from` has come."""

    __tablename__ = "terms_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)
    text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class TermsAcceptance(db.Model):
    """A seller's acceptance of a terms version: when, from which address, with which client."""

    __tablename__ = "terms_acceptances"
    __table_args__ = (UniqueConstraint("terms_id", "account_id", name="uq_terms_acceptances_terms_account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    terms_id: Mapped[int] = mapped_column(ForeignKey("terms_versions.id", ondelete="RESTRICT"))
    account_id: Mapped[int] = mapped_column(ForeignKey("seller_accounts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))

    terms: Mapped[TermsVersion] = relationship(lazy="joined")


class CommissionRate(db.Model):
    """What the platform keeps of a sale: a percentage (basis points) or a fixed amount per unit,
    with an optional minimum and maximum per order line, for one target. The most specific rate
    of a line wins: its product's, then its category's (the nearest category up the tree), then
    its seller's, then the default. One rate per target (unique), so no two rates can tie."""

    __tablename__ = "commission_rates"
    __table_args__ = (
        UniqueConstraint("scope", "target_id", name="uq_commission_rates_scope_target"),
        CheckConstraint("rate_bps IS NULL OR (rate_bps >= 0 AND rate_bps <= 10000)", name="rate_bps_range"),
        CheckConstraint("(kind = 'percentage') = (rate_bps IS NOT NULL)", name="percentage_has_bps"),
        CheckConstraint("(kind = 'fixed') = (amount IS NOT NULL)", name="fixed_has_amount"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(10))  # product | category | seller | default
    target_id: Mapped[int] = mapped_column(default=0)  # the product, category or seller; 0 for the default
    kind: Mapped[str] = mapped_column(String(10))  # percentage | fixed
    rate_bps: Mapped[int | None]  # 1250 = 12.5 %
    amount: Mapped[Decimal | None] = mapped_column(Money)  # per unit, for `fixed`
    min_amount: Mapped[Decimal | None] = mapped_column(Money)  # per line
    max_amount: Mapped[Decimal | None] = mapped_column(Money)  # per line
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SellerOrder(db.Model):
    """One seller's part of an order: its lines (the order lines of its products), their gross,
    the commission frozen at checkout, the seller's net, and its own fulfilment status."""

    __tablename__ = "seller_orders"
    __table_args__ = (
        UniqueConstraint("order_id", "seller_id", name="uq_seller_orders_order_seller"),
        Index("ix_seller_orders_seller_created", "seller_id", "created_at"),
        Index("ix_seller_orders_seller_status", "seller_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="RESTRICT"))
    reference: Mapped[str] = mapped_column(String(16), unique=True)  # the order's, then -1, -2...
    status: Mapped[str] = mapped_column(String(20))
    subtotal: Mapped[Decimal] = mapped_column(Money)
    commission: Mapped[Decimal] = mapped_column(Money)
    net: Mapped[Decimal] = mapped_column(Money)
    units: Mapped[int] = mapped_column(default=0, server_default="0")  # its lines' quantities: the dashboard sums it
    courier: Mapped[str | None] = mapped_column(String(80))  # who carries it, when shipped
    tracking_note: Mapped[str | None] = mapped_column(String(200))
    # When its earnings moved from pending to available in the ledger (delivered, and the return
    # window passed with no open return); claimed once, by a conditional UPDATE.
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    events: Mapped[list[SellerOrderEvent]] = relationship(
        cascade="all, delete-orphan", order_by="SellerOrderEvent.id", lazy="raise"
    )


class SellerOrderEvent(db.Model):
    __tablename__ = "seller_order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_kind: Mapped[str] = mapped_column(String(10))  # seller | admin | customer | system
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CommissionLine(db.Model):
    """The commission of one order line, frozen when the order is placed: never recomputed, never
    part of what the buyer pays. A refunded return reverses it pro rata by quantity
    (`CommissionReversal`)."""

    __tablename__ = "commission_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="CASCADE"), unique=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id", ondelete="CASCADE"), index=True)
    rate_id: Mapped[int | None] = mapped_column(ForeignKey("commission_rates.id", ondelete="SET NULL"))
    scope: Mapped[str | None] = mapped_column(String(10))  # which rule won; None: no rate, nothing kept
    kind: Mapped[str | None] = mapped_column(String(10))
    rate_bps: Mapped[int | None]
    unit_amount: Mapped[Decimal | None] = mapped_column(Money)
    quantity: Mapped[int]
    line_total: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)


class CommissionReversal(db.Model):
    """Commission given back because units of a line were returned and refunded: the frozen
    amount pro rata by quantity (cumulatively rounded, so a whole line's reversals add up to its
    frozen amount exactly), never a rate applied again. One per line per return."""

    __tablename__ = "commission_reversals"
    __table_args__ = (
        UniqueConstraint("commission_line_id", "return_id", name="uq_commission_reversals_line_return"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commission_line_id: Mapped[int] = mapped_column(ForeignKey("commission_lines.id", ondelete="CASCADE"), index=True)
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id", ondelete="CASCADE"), index=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="RESTRICT"))
    quantity: Mapped[int]
    gross: Mapped[Decimal] = mapped_column(Money)  # the units at the price paid
    amount: Mapped[Decimal] = mapped_column(Money)  # the commission reversed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SellerReturnResponse(db.Model):
    """A seller's side of a return that holds its lines: made when the customer asks, then
    acknowledged and answered (`accept` or `dispute`, with a reason) by `respond_by`. Admins
    see it when they decide; silence does not block them."""

    __tablename__ = "seller_return_responses"
    __table_args__ = (
        UniqueConstraint("return_id", "seller_id", name="uq_seller_return_responses_return_seller"),
        Index("ix_seller_return_responses_seller_created", "seller_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("sellers.id", ondelete="RESTRICT"))
    seller_order_id: Mapped[int] = mapped_column(ForeignKey("seller_orders.id", ondelete="CASCADE"))
    respond_by: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response: Mapped[str | None] = mapped_column(String(10))  # accept | dispute
    reason: Mapped[str | None] = mapped_column(String(500))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
