"""The ledger's own rules: entries balance, post once per cause, are never changed, and the
running balances always equal what the postings say."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from app.extensions import db
from app.ledger import chart
from app.ledger.chart import SellerBucket
from app.ledger.models import JournalEntry, LedgerAccount, Posting
from app.ledger.services import (
    UnbalancedEntry,
    balance,
    balances,
    credit,
    debit,
    positions,
    post,
    reverse,
    unwind,
    verify,
)

CASH = chart.cash("mpesa")
PENDING = chart.seller(7, SellerBucket.PENDING)


def sale(key: str = "payment:1", amount: str = "1000.00", order_id: int | None = 1):
    value = Decimal(amount)
    commission = (value / 10).quantize(Decimal("0.01"))
    return post(
        key,
        "sale",
        [debit(CASH, value), credit(PENDING, value - commission), credit(chart.COMMISSION, commission)],
        order_id=order_id,
        seller_id=7,
        reference="DK7F3K9Q",
    )


def test_a_balanced_entry_moves_each_account_on_its_own_side():
    entry = sale()
    assert entry is not None and entry.kind == "sale" and entry.reference == "DK7F3K9Q"
    assert sorted(p.amount for p in entry.postings) == [Decimal("-900.00"), Decimal("-100.00"), Decimal("1000.00")]
    # An asset grows by its debit, a liability and a revenue by their credits: all shown positive.
    assert balances([CASH, PENDING, chart.COMMISSION]) == {
        "cash:mpesa": Decimal("1000.00"),
        "seller:7:pending": Decimal("900.00"),
        "revenue:commission": Decimal("100.00"),
    }
    owner = db.session.scalar(select(LedgerAccount).where(LedgerAccount.code == PENDING.code))
    assert (owner.kind, owner.owner_type, owner.owner_id, owner.currency) == ("liability", "seller", 7, "KES")
    assert verify() == []


def test_an_entry_that_does_not_balance_is_refused_and_nothing_is_written():
    with pytest.raises(UnbalancedEntry):
        post("payment:2", "payment", [debit(CASH, Decimal("10.00")), credit(chart.CUSTOMER_FUNDS, Decimal("9.99"))])
    assert db.session.scalar(select(func.count(JournalEntry.id))) == 0
    assert db.session.scalar(select(func.count(LedgerAccount.id))) == 0


def test_the_same_cause_posts_once():
    assert sale() is not None
    assert sale() is None  # the key was posted: nothing changes
    assert sale(amount="5.00") is None  # whatever the second one says
    assert balance(CASH) == Decimal("1000.00")
    assert db.session.scalar(select(func.count(Posting.id))) == 3


def test_lines_on_one_account_add_up_and_an_entry_of_nothing_is_not_posted():
    assert post("nothing", "adjustment", [debit(CASH, Decimal("5.00")), credit(CASH, Decimal("5.00"))]) is None
    entry = post(
        "two-lines",
        "adjustment",
        [
            debit(CASH, Decimal("5.00")),
            debit(CASH, Decimal("2.50")),
            credit(chart.CUSTOMER_FUNDS, Decimal("7.50")),
            debit(chart.GOODWILL, Decimal("0.00")),
        ],
    )
    assert [p.amount for p in sorted(entry.postings, key=lambda p: p.amount)] == [Decimal("-7.50"), Decimal("7.50")]


def test_a_mistake_is_undone_by_a_reversing_entry():
    sale()
    mirror = reverse("payment:1", "payment:1:reversed", "correction")
    assert mirror.order_id == 1 and mirror.seller_id == 7 and mirror.memo == "Reverses payment:1"
    assert balances([CASH, PENDING, chart.COMMISSION]) == dict.fromkeys(
        ("cash:mpesa", "seller:7:pending", "revenue:commission"), Decimal("0.00")
    )
    assert reverse("payment:1", "payment:1:reversed", "correction") is None  # once
    assert reverse("never-posted", "never-posted:reversed", "correction") is None
    assert db.session.scalar(select(func.count(JournalEntry.id))) == 2  # both stay on the books


def test_unwind_moves_what_an_order_still_holds():
    sale(order_id=1)
    sale("payment:2", "500.00", order_id=2)
    assert positions(1, [PENDING, chart.COMMISSION], seller_id=7) == {
        "seller:7:pending": Decimal("-900.00"),
        "revenue:commission": Decimal("-100.00"),
    }
    unwind("order:1:cancelled", "cancellation", 1, [PENDING, chart.COMMISSION], chart.CUSTOMER_FUNDS, seller_id=7)
    assert positions(1, [PENDING, chart.COMMISSION]) == {}
    assert balances([PENDING, chart.COMMISSION, chart.CUSTOMER_FUNDS]) == {
        "seller:7:pending": Decimal("450.00"),  # order 2's
        "revenue:commission": Decimal("50.00"),
        "customer-funds": Decimal("1000.00"),  # order 1's money, now owed back
    }


@pytest.mark.parametrize("table", ["ledger_entries", "ledger_postings"])
def test_the_database_refuses_to_change_or_delete_the_books(table):
    sale()
    for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):  # noqa: S608 (fixed names)
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(statement))
    assert db.session.scalar(select(func.count(Posting.id))) == 3


def test_verify_finds_a_running_balance_that_drifted_from_its_postings(app):
    sale()
    assert verify() == []
    db.session.execute(update(LedgerAccount).where(LedgerAccount.code == CASH.code).values(balance=Decimal("999.00")))
    [found] = verify()
    assert (found.what, found.detail) == ("balance", "cash:mpesa: running balance 999.00, postings sum to 1000.00")


def test_flask_ledger_verify_exits_non_zero_on_a_difference(app):
    runner = app.test_cli_runner()
    sale()
    db.session.flush()
    clean = runner.invoke(args=["ledger", "verify"])
    assert clean.exit_code == 0, clean.output
    assert "ledger verified" in clean.output
    db.session.execute(update(LedgerAccount).where(LedgerAccount.code == PENDING.code).values(balance=Decimal("1.00")))
    drifted = runner.invoke(args=["ledger", "verify"])
    assert drifted.exit_code == 1
    assert "seller:7:pending: running balance 1.00" in drifted.output


def test_verify_finds_an_entry_that_does_not_balance_written_around_the_service():
    """SQLite has no deferred trigger: an entry written in plain SQL, one posting short, is what
    `flask ledger verify` is there to find (PostgreSQL refuses it at commit: test_concurrency)."""
    sale()
    entry_id = db.session.scalar(select(JournalEntry.id))
    account_id = db.session.scalar(select(LedgerAccount.id).where(LedgerAccount.code == CASH.code))
    db.session.execute(
        text("INSERT INTO ledger_entries (key, kind, memo, created_at) VALUES ('by-hand', 'adjustment', '', :now)"),
        {"now": "2026-12-05 00:00:00"},
    )
    by_hand = db.session.scalar(select(JournalEntry.id).where(JournalEntry.key == "by-hand"))
    db.session.execute(
        text("INSERT INTO ledger_postings (entry_id, account_id, amount) VALUES (:entry, :account, 500)"),
        {"entry": by_hand, "account": account_id},
    )
    found = {(d.what, d.detail) for d in verify()}
    assert ("entry", "by-hand: 1 postings summing to 5.00") in found
    assert ("ledger", "all postings sum to 5.00") in found
    assert entry_id != by_hand
