"""Idempotency-Key (app/common/idempotency.py), through the first route that honours it: checkout."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import func, select

from app.catalog.models import Product
from app.common.models import IdempotencyRecord
from app.common.types import utcnow
from app.extensions import db
from app.orders.models import Order
from tests.factories import ProductFactory
from tests.helpers import ORDERS, add_to_cart, assert_problem, bearer, checkout, tokens_for


def _orders() -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def test_the_key_is_required(client, customer, address, zone):
    add_to_cart(client, customer, ProductFactory(stock=5))
    body = {"address_id": address.id, "payment_method": "mpesa"}
    response = client.post(ORDERS, json=body, headers=customer.headers)
    assert_problem(response, 400, "idempotency_key_required")
    assert _orders() == 0


def test_a_retry_gets_the_first_response_and_nothing_new(client, customer, address, zone):
    product = ProductFactory(stock=5)
    add_to_cart(client, customer, product, 2)
    first = checkout(client, customer, address, key="order-1")
    add_to_cart(client, customer, product, 1)  # the cart changed meanwhile: the retry must not buy it
    again = checkout(client, customer, address, key="order-1")
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert _orders() == 1 and db.session.get(Product, product.id).stock == 3


def test_the_same_key_with_another_body_is_422(client, customer, address, zone):
    add_to_cart(client, customer, ProductFactory(stock=5))
    checkout(client, customer, address, key="order-2")
    response = checkout(client, customer, address, key="order-2", payment_method="cash")
    assert_problem(response, 422, "idempotency_key_reused")
    assert _orders() == 1


def test_key_order_and_spacing_of_the_body_do_not_matter(client, customer, address, zone):
    add_to_cart(client, customer, ProductFactory(stock=5))
    headers = {**customer.headers, "Idempotency-Key": "order-3", "Content-Type": "application/json"}
    first = client.post(ORDERS, data=f'{{"address_id": {address.id}, "payment_method": "mpesa"}}', headers=headers)
    again = client.post(ORDERS, data=f'{{"payment_method":"mpesa","address_id":{address.id}}}', headers=headers)
    assert first.status_code == again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"


def test_a_structured_field_string_is_the_same_key(client, customer, address, zone):
    add_to_cart(client, customer, ProductFactory(stock=5))
    checkout(client, customer, address, key="8e03978e-40d5-43e8-bc93-6894a57f9324")
    again = checkout(client, customer, address, key='"8e03978e-40d5-43e8-bc93-6894a57f9324"')
    assert again.headers["Idempotent-Replayed"] == "true" and _orders() == 1


def test_keys_are_per_user(client, customer, other_customer, address, zone):
    from tests.factories import AddressFactory

    add_to_cart(client, customer, ProductFactory(stock=5))
    add_to_cart(client, other_customer, ProductFactory(stock=5))
    checkout(client, customer, address, key="shared")
    theirs = AddressFactory(user_id=other_customer.user.id)
    response = checkout(client, other_customer, theirs, key="shared")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert _orders() == 2


def test_a_request_still_running_makes_the_second_409(client, customer, address, zone):
    add_to_cart(client, customer, ProductFactory(stock=5))
    body = {"address_id": address.id, "payment_method": "mpesa"}
    _claim_as_if_running(customer.user.id, "busy", body)
    response = checkout(client, customer, address, key="busy")
    assert_problem(response, 409, "idempotency_key_in_progress")
    assert _orders() == 0


def test_a_claim_left_by_a_crashed_request_is_taken_over(client, customer, address, zone, app):
    add_to_cart(client, customer, ProductFactory(stock=5))
    body = {"address_id": address.id, "payment_method": "mpesa"}
    _claim_as_if_running(customer.user.id, "crashed", body)
    later = utcnow() + timedelta(seconds=app.config["IDEMPOTENCY_LOCK_SECONDS"] + 1)
    with time_machine.travel(later, tick=False):
        assert checkout(client, customer, address, key="crashed").status_code == 201
    assert _orders() == 1


def test_a_failed_request_frees_its_key(client, customer, address, zone):
    assert_problem(checkout(client, customer, address, key="retry-me"), 409, "cart_empty")
    add_to_cart(client, customer, ProductFactory(stock=5))
    response = checkout(client, customer, address, key="retry-me")
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers


def test_keys_are_kept_for_a_day(client, customer, address, zone, app):
    from app.common.idempotency import purge_expired_keys

    add_to_cart(client, customer, ProductFactory(stock=5))
    checkout(client, customer, address, key="old")
    add_to_cart(client, customer, ProductFactory(stock=5))
    with time_machine.travel(utcnow() + timedelta(hours=app.config["IDEMPOTENCY_KEY_HOURS"], minutes=1), tick=False):
        customer.headers = bearer(tokens_for(customer.user)["access_token"])  # the old token has expired
        response = checkout(client, customer, address, key="old", payment_method="cash")
        assert response.status_code == 201 and response.get_json()["payment_method"] == "cash"
        assert purge_expired_keys() == 0  # the old record was replaced by the new one
    assert _orders() == 2


def test_a_key_must_be_printable_ascii_of_at_most_255(client, customer, address, zone):
    for key in ("x" * 256, "caf\u00e9"):
        headers = {**customer.headers, "Idempotency-Key": key}
        body = {"address_id": address.id, "payment_method": "mpesa"}
        response = client.post(ORDERS, json=body, headers=headers)
        assert response.status_code in (400, 422), key


def _claim_as_if_running(user_id: int, key: str, body: dict) -> None:
    import hashlib
    import json

    fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    db.session.add(
        IdempotencyRecord(
            user_id=user_id, operation="createOrder", key=key, fingerprint=fingerprint, locked_at=utcnow()
        )
    )
    db.session.commit()
