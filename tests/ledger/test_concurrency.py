"""The ledger under real commits (PostgreSQL): the database itself refuses an unbalanced entry,
and one cause posted by many at once is posted once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.common.db import unit_of_work
from app.extensions import db
from app.ledger import chart
from app.ledger.models import JournalEntry, LedgerAccount, Posting
from app.ledger.services import balance, credit, debit, post, verify
from tests.helpers import run_together

CASH = chart.cash("paystack")


@pytest.mark.own_database
@pytest.mark.postgres
def test_postgresql_refuses_an_unbalanced_entry_however_it_is_written(app, committed):
    with app.app_context():
        with unit_of_work():
            ten = Decimal("10.00")
            post("payment:1", "payment", [debit(CASH, ten), credit(chart.CUSTOMER_FUNDS, ten)])
        ids = dict(db.session.execute(select(LedgerAccount.code, LedgerAccount.id)).tuples().all())
        # Around the service, straight in SQL: one posting short, then an entry with no postings.
        for statements in (
            [
                "INSERT INTO ledger_entries (key, kind, memo, created_at) VALUES ('by-hand', 'adjustment', '', now())",
                "INSERT INTO ledger_postings (entry_id, account_id, amount) "
                f"SELECT id, {ids[CASH.code]}, 500 FROM ledger_entries WHERE key = 'by-hand'",
                "INSERT INTO ledger_postings (entry_id, account_id, amount) "
                f"SELECT id, {ids[chart.CUSTOMER_FUNDS.code]}, -499 FROM ledger_entries WHERE key = 'by-hand'",
            ],
            ["INSERT INTO ledger_entries (key, kind, memo, created_at) VALUES ('empty', 'adjustment', '', now())"],
        ):
            for statement in statements:
                db.session.execute(text(statement))
            with pytest.raises(IntegrityError, match="does not balance"):
                db.session.commit()  # deferred: checked when the transaction commits
            db.session.rollback()
        assert db.session.scalars(select(JournalEntry.key)).all() == ["payment:1"]
        assert verify() == []


@pytest.mark.own_database
@pytest.mark.postgres
def test_ten_posts_of_one_cause_at_once_post_it_once(app, committed):
    def posting():
        post("refund:1", "refund", [debit(chart.CUSTOMER_FUNDS, Decimal("99.99")), credit(CASH, Decimal("99.99"))])

    assert run_together(app, [posting] * 10) == []
    with app.app_context():
        assert db.session.scalar(select(func.count(JournalEntry.id))) == 1
        assert db.session.scalar(select(func.count(Posting.id))) == 2
        assert balance(CASH) == Decimal("-99.99")
        assert verify() == []


@pytest.mark.own_database
@pytest.mark.postgres
def test_entries_racing_on_the_same_accounts_keep_the_running_balances_true(app, committed):
    def posting(n: int):
        return lambda: post(
            f"payment:{n}",
            "payment",
            [debit(CASH, Decimal("1.01")), credit(chart.CUSTOMER_FUNDS, Decimal("1.01"))]
            if n % 2
            else [credit(chart.CUSTOMER_FUNDS, Decimal("2.00")), debit(CASH, Decimal("2.00"))],
        )

    assert run_together(app, [posting(n) for n in range(10)]) == []
    with app.app_context():
        assert balance(CASH) == Decimal("15.05")  # 5 x 1.01 + 5 x 2.00
        assert verify() == []
