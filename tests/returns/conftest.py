"""Fixtures of the return tests: delivered orders, paid by card (Paystack) or in cash."""

from __future__ import annotations

from decimal import Decimal

import pytest
import responses

from app.extensions import db
from app.payments.models import Payment
from tests.factories import ProductFactory
from tests.payments.conftest import PAYSTACK_SECRET_KEY


@pytest.fixture
def products():
    """Two products: 3 units of A at 500.00 and 1 of B at 1,000.00 make KES 2,500.00 of goods."""
    return ProductFactory(price=Decimal("500.00"), stock=20), ProductFactory(price=Decimal("1000.00"), stock=20)


@pytest.fixture
def card_paid(customer, products, app, monkeypatch):
    """A delivered card order (3 x A + 1 x B + 250.00 delivery = KES 2,750.00) with its Paystack
    payment; yields (order, payment, the stubbed Paystack API)."""
    from app.cart.services import Owner, add_line
    from app.orders.services.checkout import place_order
    from app.orders.services.orders import Actor, mark_paid, transition
    from app.orders.status import ActorKind, OrderStatus
    from app.payments.services.accounting import money_in
    from tests.factories import AddressFactory, DeliveryZoneFactory

    monkeypatch.setitem(app.config, "PAYSTACK_BASE_URL", "https://api.paystack.co")
    monkeypatch.setitem(app.config, "PAYSTACK_SECRET_KEY", PAYSTACK_SECRET_KEY)
    DeliveryZoneFactory(counties=["Nairobi"], fee="250.00")
    address = AddressFactory(user_id=customer.user.id, county="Nairobi", town="Nairobi")
    a, b = products
    add_line(Owner(user=customer.user), a.id, 3)
    add_line(Owner(user=customer.user), b.id, 1)
    order = place_order(customer.user, {"address_id": address.id, "payment_method": "card"})
    payment = Payment(
        order_id=order.id,
        user_id=customer.user.id,
        provider="paystack",
        status="succeeded",
        amount=order.total,
        currency="KES",
        order_amount=order.total,
        amount_paid=order.total,
        provider_reference=f"{order.reference}-ABC123",
    )
    db.session.add(payment)
    mark_paid(order.id, "paystack")
    db.session.flush()
    money_in(payment)  # as settling it would
    for status in (OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED):
        transition(order, status, Actor(ActorKind.ADMIN))
    db.session.commit()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        yield order, payment, api
