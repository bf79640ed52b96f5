"""Finance reports, from the ledger alone: what moved in a period (by kind of entry and account)
and where every account stood at its end (a trial balance that sums to zero), and every
posting of a period streamed for a CSV."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from app.extensions import db
from app.ledger.chart import DEBIT_NORMAL, AccountKind
from app.ledger.models import JournalEntry, LedgerAccount, Posting
from app.ledger.services import ZERO, money_of, settle_balances


@dataclass(frozen=True)
class Standing:
    """An account at a moment: its raw balance (debits positive) and its kind."""

    code: str
    kind: str
    owner_type: str | None
    raw: Decimal

    @property
    def shown(self) -> Decimal:
        return (self.raw if AccountKind(self.kind) in DEBIT_NORMAL else -self.raw) + ZERO


def standings(until: datetime | None) -> list[Standing]:
    """Every account's balance from the postings of entries before `until` (all, without it)."""
    settle_balances()
    stmt = (
        select(LedgerAccount.code, LedgerAccount.kind, LedgerAccount.owner_type, func.sum(Posting.amount))
        .join(Posting, Posting.account_id == LedgerAccount.id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .group_by(LedgerAccount.id, LedgerAccount.code, LedgerAccount.kind, LedgerAccount.owner_type)
        .order_by(LedgerAccount.code)
    )
    if until is not None:
        stmt = stmt.where(JournalEntry.created_at < until)
    return [Standing(code, kind, owner, money_of(total)) for code, kind, owner, total in db.session.execute(stmt)]


def movements(since: datetime | None, until: datetime | None) -> dict[tuple[str, str], Decimal]:
    """(entry kind, account code) -> the raw sum of its postings in [since, until)."""
    stmt = (
        select(JournalEntry.kind, LedgerAccount.code, func.sum(Posting.amount))
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .group_by(JournalEntry.kind, LedgerAccount.code)
    )
    if since is not None:
        stmt = stmt.where(JournalEntry.created_at >= since)
    if until is not None:
        stmt = stmt.where(JournalEntry.created_at < until)
    return {(kind, code): money_of(total) for kind, code, total in db.session.execute(stmt)}


CSV_COLUMNS = (
    "entry_id",
    "created_at",
    "key",
    "kind",
    "reference",
    "order_id",
    "seller_id",
    "memo",
    "account",
    "amount",
)


def postings_rows(since: datetime | None, until: datetime | None) -> Iterator[tuple[Any, ...]]:
    """Every posting of the period, oldest entry first, from a server-side cursor in chunks: a
    year of entries never sits in memory."""
    stmt = (
        select(
            JournalEntry.id,
            JournalEntry.created_at,
            JournalEntry.key,
            JournalEntry.kind,
            JournalEntry.reference,
            JournalEntry.order_id,
            JournalEntry.seller_id,
            JournalEntry.memo,
            LedgerAccount.code,
            Posting.amount,
        )
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .order_by(JournalEntry.id, Posting.id)
        .execution_options(yield_per=1000)
    )
    if since is not None:
        stmt = stmt.where(JournalEntry.created_at >= since)
    if until is not None:
        stmt = stmt.where(JournalEntry.created_at < until)
    for row in db.session.execute(stmt):
        yield tuple(row)
