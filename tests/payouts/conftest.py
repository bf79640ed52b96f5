"""Fixtures of the payout tests: a seller with money available, an admin pair."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from app.auth.models import User
from app.extensions import db
from app.ledger import chart
from app.ledger.chart import SellerBucket
from app.ledger.services import credit, debit, post
from app.sellers.models import SellerAccount
from tests.conftest import Actor
from tests.factories import SellerAccountFactory, UserFactory


def make_available(seller_id: int, amount: str, key: str = "test:earned") -> None:
    """Put `amount` in the seller's available balance as the earning entries would (sale then
    release), in one entry: the earning path has tests of its own (tests/sellers/test_earnings)."""
    value = Decimal(amount)
    post(
        f"{key}:{seller_id}",
        "sale",
        [debit(chart.CUSTOMER_FUNDS, value), credit(chart.seller(seller_id, SellerBucket.AVAILABLE), value)],
        seller_id=seller_id,
        reference="DKTEST-1",
        memo="Earned (test)",
    )


@dataclass
class Earner:
    actor: Actor
    store_id: int
    account: SellerAccount

    @property
    def headers(self) -> dict[str, str]:
        return self.actor.headers


@pytest.fixture
def earner() -> Earner:
    """A supplier whose approved store has KES 5,000.50 available; payouts go to its contact phone
    0712 345 678 (paid, in the sandbox)."""
    account = SellerAccountFactory()
    make_available(account.store_id, "5000.50")
    db.session.commit()
    return Earner(Actor(db.session.get(User, account.user_id)), account.store_id, account)


@pytest.fixture
def other_admin() -> Actor:
    return Actor(UserFactory(role="admin"))
