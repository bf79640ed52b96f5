"""Claiming payouts under real commits (PostgreSQL, threads): the same shillings are never claimed
twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.ledger import chart
from app.ledger.chart import SellerBucket
from app.ledger.services import balances, verify
from app.payouts.errors import InsufficientBalance
from app.payouts.models import Payout
from tests.helpers import run_together


@pytest.mark.own_database
@pytest.mark.postgres
def test_ten_requests_at_once_never_pay_out_the_same_shillings_twice(app, committed, monkeypatch):
    from app.auth.models import User
    from app.sellers.services.payouts import request_payout
    from tests.factories import SellerAccountFactory
    from tests.payouts.conftest import make_available

    monkeypatch.setitem(app.config, "PAYOUT_APPROVAL_THRESHOLD", 0)  # all wait for an admin: nothing is sent
    with app.app_context():
        account = SellerAccountFactory()
        make_available(account.store_id, "5000.50")
        db.session.commit()
        user_id, store_id = account.user_id, account.store_id

    def asking():
        request_payout(db.session.get(User, user_id), Decimal("1000"))

    errors = run_together(app, [asking] * 10)
    assert len(errors) == 5 and all(isinstance(error, InsufficientBalance) for error in errors), errors
    with app.app_context():
        assert db.session.scalar(select(func.count(Payout.id))) == 5
        held = balances(
            [chart.seller(store_id, SellerBucket.AVAILABLE), chart.seller(store_id, SellerBucket.IN_PAYOUT)]
        )
        assert list(held.values()) == [Decimal("0.50"), Decimal("5000.00")]
        assert verify() == []
