"""Checkout under concurrency (PostgreSQL, real commits, one thread and connection per buyer)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from app.cart.services import Owner, add_line
from app.catalog.models import Product
from app.extensions import db
from app.orders.models import Order
from tests.factories import AddressFactory, DeliveryZoneFactory, ProductFactory, UserFactory
from tests.helpers import ORDERS, bearer, tokens_for


def _buyers(app: Flask, count: int, stock: int) -> tuple[int, list[dict[str, Any]]]:
    """A product with `stock` units and `count` customers with it in their carts; returns the
    product id and, per buyer, their headers and checkout body."""
    with app.app_context():
        DeliveryZoneFactory(counties=["Nairobi"])
        product = ProductFactory(stock=stock)
        buyers = []
        for _ in range(count):
            user = UserFactory(role="customer")
            address = AddressFactory(user_id=user.id, county="Nairobi", town="Nairobi")
            add_line(Owner(user=user), product.id, 1)
            db.session.commit()
            buyers.append(
                {
                    "headers": bearer(tokens_for(user)["access_token"]),
                    "body": {"address_id": address.id, "payment_method": "mpesa"},
                }
            )
        db.session.commit()
        return product.id, buyers


def _post_together(app: Flask, requests: list[tuple[dict[str, str], dict[str, Any]]]) -> list[Any]:
    responses: list[Any] = []
    start = threading.Barrier(len(requests))

    def send(headers: dict[str, str], body: dict[str, Any]) -> None:
        client = app.test_client()
        start.wait()
        response = client.post(ORDERS, json=body, headers=headers)
        responses.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


@pytest.mark.own_database
@pytest.mark.postgres
def test_twenty_buyers_of_five_units_make_exactly_five_orders(app, committed):
    product_id, buyers = _buyers(app, 20, stock=5)
    requests = [({**b["headers"], "Idempotency-Key": f"buyer-{i}"}, b["body"]) for i, b in enumerate(buyers)]
    responses = _post_together(app, requests)
    assert Counter(status for status, _ in responses) == Counter({201: 5, 409: 15})
    assert all(body["code"] == "insufficient_stock" for status, body in responses if status == 409)
    with app.app_context():
        assert db.session.get(Product, product_id).stock == 0
        assert db.session.scalar(select(func.count()).select_from(Order)) == 5


@pytest.mark.own_database
@pytest.mark.postgres
def test_ten_requests_with_one_key_make_one_order(app, committed):
    product_id, [buyer] = _buyers(app, 1, stock=5)
    headers = {**buyer["headers"], "Idempotency-Key": "the-one"}
    responses = _post_together(app, [(headers, buyer["body"])] * 10)
    statuses = Counter(status for status, _ in responses)
    # One made the order; the others either saw it running (409) or replayed its answer (201).
    assert set(statuses) <= {201, 409} and statuses[201] >= 1, responses
    created = {body["id"] for status, body in responses if status == 201}
    assert len(created) == 1
    assert all(body["code"] == "idempotency_key_in_progress" for status, body in responses if status == 409)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1
        assert db.session.get(Product, product_id).stock == 4


@pytest.mark.own_database
@pytest.mark.postgres
@pytest.mark.parametrize("round_", range(3))
def test_a_cancel_racing_the_expiry_job_restocks_once(app, committed, round_):
    from datetime import timedelta

    import time_machine

    from app.common.types import utcnow
    from app.orders.errors import InvalidTransition
    from app.orders.services.orders import cancel, expire_unpaid
    from app.orders.status import OrderStatus
    from tests.helpers import run_together

    product_id, [buyer] = _buyers(app, 1, stock=5)
    client = app.test_client()
    order = client.post(ORDERS, json=buyer["body"], headers={**buyer["headers"], "Idempotency-Key": "race"}).get_json()
    with app.app_context():
        user_id = db.session.scalar(select(Order.user_id).where(Order.id == order["id"]))

    def customer_cancels() -> None:
        from app.auth.models import User

        cancel(db.session.get(User, user_id), order["id"], "race")

    later = utcnow() + timedelta(minutes=app.config["ORDER_PAYMENT_TIMEOUT_MINUTES"] + 1)
    with time_machine.travel(later, tick=False):
        errors = run_together(app, [customer_cancels, expire_unpaid])
    # Either the cancel won (the job found nothing to do, or lost the conditional UPDATE) or
    # the job won (the cancel is refused); never both, and the stock is back exactly once.
    assert all(isinstance(error, InvalidTransition) for error in errors), errors
    with app.app_context():
        assert db.session.get(Product, product_id).stock == 5
        placed = db.session.get(Order, order["id"])
        assert placed.status == OrderStatus.CANCELLED.value
        assert [e.to_status for e in placed.events].count("cancelled") == 1
