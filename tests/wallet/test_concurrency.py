"""A wallet under real commits (PostgreSQL, threads): ten spends of one balance at once spend it
at most once; it never goes below zero."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.ledger import chart
from app.ledger.chart import WalletBucket
from app.ledger.services import balances, credit, debit, post, verify
from app.payments.errors import InsufficientWallet
from app.payments.models import Payment
from tests.helpers import run_together


@pytest.mark.own_database
@pytest.mark.postgres
def test_ten_spends_of_one_wallet_at_once_never_overspend_it(app, committed, monkeypatch):
    from app.cart.services import Owner, add_line
    from app.orders.models import Order
    from app.orders.services.checkout import place_order
    from app.payments.services.wallet import hold
    from tests.factories import AddressFactory, DeliveryZoneFactory, ProductFactory, UserFactory

    monkeypatch.setitem(app.config, "UNPAID_ORDERS_MAX", 20)
    with app.app_context():
        DeliveryZoneFactory(counties=["Nairobi"], fee="250.00")
        customer = UserFactory(role="customer")
        address = AddressFactory(user_id=customer.id, county="Nairobi", town="Nairobi")
        product = ProductFactory(price=Decimal("750.00"), stock=100)
        post(
            "test:credit",
            "adjustment",
            [
                debit(chart.WALLET_ADJUSTMENTS, Decimal("3000.50")),
                credit(chart.wallet(customer.id), Decimal("3000.50")),
            ],
        )
        order_ids = []
        for _ in range(10):  # an order each, paid by card; the wallet is asked for KES 1,000 of each
            add_line(Owner(user=customer), product.id, 1)
            order = place_order(customer, {"address_id": address.id, "payment_method": "card"})
            order.wallet_amount = Decimal("1000.00")
            order_ids.append(order.id)
        db.session.commit()
        user_id = customer.id

    def spending(order_id: int):
        return lambda: hold(db.session.get(Order, order_id))

    errors = run_together(app, [spending(order_id) for order_id in order_ids])
    assert len(errors) == 7 and all(isinstance(error, InsufficientWallet) for error in errors), errors
    with app.app_context():
        held = balances([chart.wallet(user_id), chart.wallet(user_id, WalletBucket.HELD)])
        assert list(held.values()) == [Decimal("0.50"), Decimal("3000.00")]
        assert db.session.scalar(select(func.count(Payment.id)).where(Payment.provider == "wallet")) == 3
        assert verify() == []
