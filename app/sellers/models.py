"""Seller accounts: an application that becomes a store, with its business details, its
verification documents and the history of its status."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

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
