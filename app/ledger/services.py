"""Posting to the ledger, and reading it: the one service every domain writes money through."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.common.db import insert_unless_exists
from app.common.types import utcnow
from app.extensions import db
from app.ledger.chart import Account, AccountKind
from app.ledger.models import JournalEntry, LedgerAccount, Posting

ZERO = Decimal("0.00")


class UnbalancedEntry(Exception):
    """A bug: an entry whose lines do not sum to zero was about to be posted."""


@dataclass(frozen=True)
class Line:
    """One side of an entry: `amount` debits `account` when positive, credits it when negative."""

    account: Account
    amount: Decimal


def debit(account: Account, amount: Decimal) -> Line:
    return Line(account, amount)


def credit(account: Account, amount: Decimal) -> Line:
    return Line(account, -amount)


def post(
    key: str,
    kind: str,
    lines: Iterable[Line],
    *,
    order_id: int | None = None,
    seller_id: int | None = None,
    reference: str | None = None,
    memo: str = "",
    actor_id: int | None = None,
) -> JournalEntry | None:
    """Post one balanced entry for the cause `key`, once: a second post of the same key (also a
    concurrent one, which waits for the first to commit) changes nothing and returns None, as
    does an entry whose lines all come to zero. Lines on one account are added together. The
    accounts' running balances move in this transaction (`settle_balances`). Raises
    UnbalancedEntry when the lines do not sum to zero."""
    by_code: dict[str, Decimal] = defaultdict(lambda: ZERO)
    accounts: dict[str, Account] = {}
    for line in lines:
        by_code[line.account.code] += line.amount
        accounts[line.account.code] = line.account
    moved = {code: amount for code, amount in by_code.items() if amount != 0}
    if sum(moved.values(), ZERO) != 0:
        raise UnbalancedEntry(f"entry {key} does not balance: {moved}")
    if not moved:
        return None
    entry_id = insert_unless_exists(
        JournalEntry,
        {
            "key": key,
            "kind": kind,
            "order_id": order_id,
            "seller_id": seller_id,
            "reference": reference,
            "memo": memo[:200],
            "actor_id": actor_id,
            "created_at": utcnow(),
        },
        ["key"],
    )
    if entry_id is None:
        return None
    ids = account_ids([accounts[code] for code in sorted(moved)])
    rows = [{"entry_id": entry_id, "account_id": ids[code], "amount": amount} for code, amount in moved.items()]
    db.session.execute(insert(Posting), rows)
    db.session.info.setdefault(_POSTED, set()).add(entry_id)
    return db.session.get(JournalEntry, entry_id)


_POSTED = "duka_ledger_posted"


def settle_balances(session: Session | None = None) -> None:
    """Move the running balances by the entries posted in this transaction (the session's
    `before_commit` does it, and every read of a balance first). All of them at once, in
    account id order: a transaction locks each account's row once, late, and in the same order
    as every other, so two payments touching the same accounts queue and never deadlock. Read
    from the postings, so an entry undone by a savepoint's rollback moves nothing."""
    session = session if session is not None else db.session()
    posted = session.info.pop(_POSTED, None)
    if not posted:
        return
    moved = session.execute(
        select(Posting.account_id, func.sum(Posting.amount))
        .where(Posting.entry_id.in_(posted))
        .group_by(Posting.account_id)
        .order_by(Posting.account_id)
    ).tuples()
    for account_id, amount in moved.all():
        if amount:
            session.execute(
                update(LedgerAccount)
                .where(LedgerAccount.id == account_id)
                .values(balance=LedgerAccount.balance + amount)
                .execution_options(synchronize_session=False)
            )


def forget_unsettled(session: Session) -> None:
    session.info.pop(_POSTED, None)


def account_ids(accounts: Sequence[Account]) -> dict[str, int]:
    """The ids of these accounts by code, making the ones never posted to."""
    codes = [account.code for account in accounts]
    # (A Result has .keys(): dict() would take it for a mapping, so the rows are listed first.)
    found: dict[str, int] = dict(
        db.session.execute(select(LedgerAccount.code, LedgerAccount.id).where(LedgerAccount.code.in_(codes)))
        .tuples()
        .all()
    )
    currency = current_app.config["STORE_CURRENCY"]
    for account in accounts:
        if account.code in found:
            continue
        made = insert_unless_exists(
            LedgerAccount,
            {
                "code": account.code,
                "kind": account.kind.value,
                "name": account.name,
                "owner_type": account.owner_type,
                "owner_id": account.owner_id,
                "currency": currency,
                "balance": ZERO,
                "created_at": utcnow(),
            },
            ["code"],
        )
        found[account.code] = made if made is not None else _id_of(account.code)
    return found


def _id_of(code: str) -> int:
    found = db.session.scalar(select(LedgerAccount.id).where(LedgerAccount.code == code))
    assert found is not None
    return found


def locked_balance(account: Account) -> Decimal:
    """The account's balance on its own side, its row locked until the transaction ends: the
    check-then-claim of a payout or a wallet spend (two at once: the second waits, then reads
    what the first left)."""
    settle_balances()
    account_id = account_ids([account])[account.code]
    raw = db.session.scalar(
        select(LedgerAccount.balance)
        .where(LedgerAccount.id == account_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return shown(account, raw if raw is not None else ZERO)


def is_posted(key: str) -> bool:
    """Whether the cause `key` has been posted."""
    return db.session.scalar(select(JournalEntry.id).where(JournalEntry.key == key)) is not None


def shown(account: Account, raw: Decimal) -> Decimal:
    """A balance on the account's own side: what a liability owes or a revenue earned is
    positive, though it is a sum of credits."""
    return (raw if account.debit_normal else -raw) + ZERO  # (+ ZERO: never "-0.00")


def balances(accounts: Sequence[Account]) -> dict[str, Decimal]:
    """The running balances of these accounts by code, each on its own side (0 if never posted)."""
    settle_balances()
    found: dict[str, Decimal] = dict(
        db.session.execute(
            select(LedgerAccount.code, LedgerAccount.balance).where(
                LedgerAccount.code.in_([account.code for account in accounts])
            )
        )
        .tuples()
        .all()
    )
    return {account.code: shown(account, found.get(account.code, ZERO)) for account in accounts}


def balance(account: Account) -> Decimal:
    """One account's running balance on its own side."""
    return balances([account])[account.code]


def positions(order_id: int, accounts: Sequence[Account], *, seller_id: int | None = None) -> dict[str, Decimal]:
    """What the entries about one order (and, given `seller_id`, about that seller's part of it)
    have posted to each of `accounts`, raw (debits positive): what the order still holds there.
    Accounts never touched by them are left out."""
    stmt = (
        select(LedgerAccount.code, func.coalesce(func.sum(Posting.amount), 0))
        .join(Posting, Posting.account_id == LedgerAccount.id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(JournalEntry.order_id == order_id, LedgerAccount.code.in_([a.code for a in accounts]))
        .group_by(LedgerAccount.code)
    )
    if seller_id is not None:
        stmt = stmt.where(JournalEntry.seller_id == seller_id)
    return {code: money_of(total) for code, total in db.session.execute(stmt).tuples() if money_of(total) != 0}


def money_of(total: object) -> Decimal:
    # SUM and COALESCE keep the Money type (amounts come back as Decimal); an empty sum is 0.
    return Decimal(str(total or 0)).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class Discrepancy:
    what: str
    detail: str


def verify() -> list[Discrepancy]:
    """Recompute the ledger from its postings: every entry sums to zero and has two postings or
    more, every account's running balance equals the sum of its postings, and all postings
    together sum to zero. Returns what differs (nothing when the books are true)."""
    settle_balances()
    found: list[Discrepancy] = []
    unbalanced = db.session.execute(
        select(JournalEntry.key, func.sum(Posting.amount), func.count(Posting.id))
        .join(Posting, Posting.entry_id == JournalEntry.id, isouter=True)
        .group_by(JournalEntry.id, JournalEntry.key)
        .having((func.coalesce(func.sum(Posting.amount), 0) != 0) | (func.count(Posting.id) < 2))
    ).all()
    for key, total, count in unbalanced:
        found.append(Discrepancy("entry", f"{key}: {count} postings summing to {money_of(total)}"))
    sums = select(Posting.account_id, func.sum(Posting.amount).label("total")).group_by(Posting.account_id).subquery()
    drifted = db.session.execute(
        select(LedgerAccount.code, LedgerAccount.balance, func.coalesce(sums.c.total, 0))
        .join(sums, sums.c.account_id == LedgerAccount.id, isouter=True)
        .order_by(LedgerAccount.code)
    ).all()
    for code, cached, total in drifted:
        if cached != money_of(total):
            found.append(Discrepancy("balance", f"{code}: running balance {cached}, postings sum to {money_of(total)}"))
    everything = money_of(db.session.scalar(select(func.coalesce(func.sum(Posting.amount), 0))))
    if everything != 0:
        found.append(Discrepancy("ledger", f"all postings sum to {everything}"))
    return found


def unwind(
    key: str,
    kind: str,
    order_id: int,
    accounts: Sequence[Account],
    into: Account,
    *,
    seller_id: int | None = None,
    reference: str | None = None,
    memo: str = "",
    actor_id: int | None = None,
) -> JournalEntry | None:
    """Move all that one order (one seller's part of it, given `seller_id`) still holds in
    `accounts` into `into`: how a cancelled order gives back what its payment was owed onward."""
    by_code = {account.code: account for account in accounts}
    held = positions(order_id, accounts, seller_id=seller_id)
    lines = [Line(by_code[code], -raw) for code, raw in held.items()]
    lines.append(Line(into, sum(held.values(), ZERO)))
    return post(
        key, kind, lines, order_id=order_id, seller_id=seller_id, reference=reference, memo=memo, actor_id=actor_id
    )


def reverse(
    original_key: str, key: str, kind: str, *, memo: str = "", actor_id: int | None = None
) -> JournalEntry | None:
    """Post the mirror of the entry `original_key` (nothing if it was never posted), once."""
    original = db.session.scalar(select(JournalEntry).where(JournalEntry.key == original_key))
    if original is None:
        return None
    rows = db.session.execute(
        select(LedgerAccount, Posting.amount)
        .join(Posting, Posting.account_id == LedgerAccount.id)
        .where(Posting.entry_id == original.id)
    ).tuples()
    lines = [Line(_account_from(row), -amount) for row, amount in rows]
    return post(
        key,
        kind,
        lines,
        order_id=original.order_id,
        seller_id=original.seller_id,
        reference=original.reference,
        memo=memo or f"Reverses {original_key}",
        actor_id=actor_id,
    )


def _account_from(row: LedgerAccount) -> Account:
    return Account(row.code, AccountKind(row.kind), row.name, row.owner_type, row.owner_id)


def posted_to(keys: Sequence[str], account: Account) -> Decimal:
    """What the entries `keys` posted to `account`, raw (debits positive)."""
    if not keys:
        return ZERO
    total = db.session.scalar(
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(JournalEntry.key.in_(keys), LedgerAccount.code == account.code)
    )
    return money_of(total)


def totals_by_kind(accounts: Sequence[Account], *, seller_id: int | None = None) -> dict[str, Decimal]:
    """What entries of each kind have posted to `accounts` in all (raw), optionally only the
    entries about one seller's money: lifetime figures (earned, commission, paid out)."""
    stmt = (
        select(JournalEntry.kind, func.coalesce(func.sum(Posting.amount), 0))
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(LedgerAccount.code.in_([account.code for account in accounts]))
        .group_by(JournalEntry.kind)
    )
    if seller_id is not None:
        stmt = stmt.where(JournalEntry.seller_id == seller_id)
    return {kind: money_of(total) for kind, total in db.session.execute(stmt).tuples()}
