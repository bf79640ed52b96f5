"""Ledger accounts, journal entries and their postings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.common.money import Money
from app.common.types import UTCDateTime, utcnow
from app.extensions import db


class LedgerAccount(db.Model):
    """One account of the chart (README, "Money: the ledger"): the shop's cash at a provider,
    a revenue, each seller's pending, available and in-payout balances, each wallet. Made the
    first time something is posted to it. `balance` is kept for speed: the sum of its postings
    (debits positive), changed only by `services.post` under the account's row lock in the
    posting's transaction; `flask ledger verify` recomputes it from the postings."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (Index("ix_ledger_accounts_owner", "owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)  # e.g. seller:12:pending
    kind: Mapped[str] = mapped_column(String(10))  # asset | liability | revenue | expense
    name: Mapped[str] = mapped_column(String(120))
    owner_type: Mapped[str | None] = mapped_column(String(10))  # seller | user; None: the shop's own
    owner_id: Mapped[int | None]
    currency: Mapped[str] = mapped_column(String(3))
    balance: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JournalEntry(db.Model):
    """One money event, posted once: `key` names its cause (`payment:12`, `refund:4`,
    `seller-order:9:released`...), so posting the same cause again changes nothing. Never
    updated or deleted (the database refuses both); a mistake is undone by a reversing entry."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_seller", "seller_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # what happened: payment, refund, sale, release...
    # What it is about, for statements and reports (no foreign keys: the ledger sits below every
    # domain that posts to it, and a posted entry outlives what it names).
    order_id: Mapped[int | None] = mapped_column(index=True)
    seller_id: Mapped[int | None]  # whose money it moves: a seller's statement lists these
    reference: Mapped[str | None] = mapped_column(String(40))  # the order's, a payout's...
    memo: Mapped[str] = mapped_column(String(200), default="")
    actor_id: Mapped[int | None]  # who caused it; None: the system
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    postings: Mapped[list[Posting]] = relationship(order_by="Posting.id", viewonly=True)


class Posting(db.Model):
    """One line of an entry: `amount` debits its account when positive, credits it when
    negative; never zero. An entry's postings sum to zero."""

    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="not_zero"),
        Index("ix_ledger_postings_account_entry", "account_id", "entry_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id", ondelete="RESTRICT"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(Money)
