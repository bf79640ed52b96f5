"""Fixtures of the review tests: customers who received a product."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.cart.services import Owner, add_line
from app.extensions import db
from app.orders.services.checkout import place_order
from app.orders.services.orders import Actor, transition
from app.orders.status import ActorKind, OrderStatus
from tests.factories import AddressFactory, DeliveryZoneFactory, ProductFactory

DELIVERY = (OrderStatus.PROCESSING, OrderStatus.SHIPPED, OrderStatus.OUT_FOR_DELIVERY, OrderStatus.DELIVERED)


def deliver_to(user, product, until: OrderStatus = OrderStatus.DELIVERED, quantity: int = 1):
    """Order `product` for `user` (cash on delivery) and move the order along up to `until`."""
    if db.session.scalar(db.select(DeliveryZoneFactory._meta.model).limit(1)) is None:
        DeliveryZoneFactory(counties=["Nairobi"], fee="250.00")
    address = AddressFactory(user_id=user.id, county="Nairobi", town="Nairobi")
    add_line(Owner(user=user), product.id, quantity)
    order = place_order(user, {"address_id": address.id, "payment_method": "cash"})
    for status in DELIVERY[: DELIVERY.index(until) + 1]:
        transition(order, status, Actor(ActorKind.ADMIN))
    db.session.flush()
    return order


@pytest.fixture
def product():
    return ProductFactory(price=Decimal("500.00"), stock=50)


@pytest.fixture
def bought(customer, product):
    """The customer received the product."""
    return deliver_to(customer.user, product)
