"""Statements: the entries that touched an owner's accounts (a seller's balances, a wallet), with
the running total after each; a page of them for the API, or all of them streamed for a CSV."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, case, func, select

from app.extensions import db
from app.ledger.chart import Account
from app.ledger.models import JournalEntry, LedgerAccount, Posting
from app.ledger.services import ZERO, money_of, settle_balances


@dataclass(frozen=True)
class StatementLine:
    """One entry as an owner's statement shows it: what it did to each of the owner's accounts
    (on their own side), the change to their total and the total after it."""

    entry_id: int
    created_at: datetime
    kind: str
    reference: str | None
    memo: str
    moves: dict[str, Decimal]  # account code -> change
    amount: Decimal
    balance: Decimal


def _statement_rows(accounts: Sequence[Account], since: datetime | None, until: datetime | None) -> Select:
    """One row per entry touching `accounts` in [since, until): each account's raw change and the
    sum, with the running sum of the range (a window over the entries, in the order posted)."""
    columns = [
        func.coalesce(func.sum(case((LedgerAccount.code == account.code, Posting.amount), else_=0)), 0).label(f"a{n}")
        for n, account in enumerate(accounts)
    ]
    per_entry = (
        select(
            JournalEntry.id,
            JournalEntry.created_at,
            JournalEntry.kind,
            JournalEntry.reference,
            JournalEntry.memo,
            func.sum(Posting.amount).label("total"),
            *columns,
        )
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(LedgerAccount.code.in_([account.code for account in accounts]))
        .group_by(JournalEntry.id)  # (the other columns depend on it)
    )
    if since is not None:
        per_entry = per_entry.where(JournalEntry.created_at >= since)
    if until is not None:
        per_entry = per_entry.where(JournalEntry.created_at < until)
    entries = per_entry.subquery()
    return select(entries, func.sum(entries.c.total).over(order_by=entries.c.id).label("running")).order_by(
        entries.c.id
    )


def opening_balance(accounts: Sequence[Account], since: datetime | None) -> Decimal:
    """The raw sum of `accounts` before `since` (0 without one)."""
    if since is None:
        return ZERO
    total = db.session.scalar(
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(LedgerAccount.code.in_([account.code for account in accounts]), JournalEntry.created_at < since)
    )
    return money_of(total)


def statement(
    accounts: Sequence[Account],
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    page: int | None = None,
    per_page: int = 100,
) -> tuple[list[StatementLine], int]:
    """An owner's statement over `accounts` (all of one side: a seller's, a wallet): every entry
    touching them in [since, until), oldest first, with the running total after each, from the
    total before `since`; one page of it (and the count of all) when `page` is given. Each
    amount is on the accounts' own side (what a liability owes grows positive)."""
    settle_balances()
    sign = 1 if accounts[0].debit_normal else -1
    opening = opening_balance(accounts, since)
    stmt = _statement_rows(accounts, since, until)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if page is not None:
        stmt = stmt.limit(per_page).offset((page - 1) * per_page)
    return [_line(row, accounts, opening, sign) for row in db.session.execute(stmt)], total


def statement_rows(
    accounts: Sequence[Account], since: datetime | None = None, until: datetime | None = None
) -> Iterator[StatementLine]:
    """The whole statement, streamed from a server-side cursor in chunks (a year of entries never
    sits in memory): for CSV downloads."""
    settle_balances()
    sign = 1 if accounts[0].debit_normal else -1
    opening = opening_balance(accounts, since)
    stmt = _statement_rows(accounts, since, until).execution_options(yield_per=500)
    for row in db.session.execute(stmt):
        yield _line(row, accounts, opening, sign)


def _line(row: Any, accounts: Sequence[Account], opening: Decimal, sign: int) -> StatementLine:
    return StatementLine(
        entry_id=row.id,
        created_at=row.created_at,
        kind=row.kind,
        reference=row.reference,
        memo=row.memo,
        moves={account.code: sign * money_of(row._mapping[f"a{n}"]) + ZERO for n, account in enumerate(accounts)},
        amount=sign * money_of(row.total) + ZERO,  # (+ ZERO: never "-0.00")
        balance=sign * (opening + money_of(row.running)) + ZERO,
    )
