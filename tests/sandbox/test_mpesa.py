"""M-Pesa through the local sandbox: the real gateway, callback route and secret, over HTTP (the
test client serving PUBLIC_BASE_URL); the phone number chooses the outcome."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from app.extensions import db
from app.orders.models import Order
from app.payments.models import Payment, PaymentEvent
from app.sandbox.store import EXTENSION, deliver_pending
from tests.helpers import assert_problem
from tests.payments.conftest import order_of_1500

PUSH = "/api/v1/payments/mpesa/stk-push"


@pytest.fixture
def order(client, customer, address, zone):
    return order_of_1500(client, customer, address, "mpesa")


def push(client, customer, order, phone):
    return client.post(PUSH, json={"order_id": order["id"], "phone": phone}, headers=customer.headers)


def test_a_payment_succeeds_by_callback_with_the_real_secret_path(app, client, customer, order, sandbox):
    response = push(client, customer, order, "0708374149")
    assert response.status_code == 202, response.get_json()
    payment = response.get_json()
    assert payment["status"] == "pending" and payment["checkout_request_id"].startswith("ws_CO_")
    assert db.session.get(Order, order["id"]).status == "pending_payment"  # nothing until the callback

    assert deliver_pending(app) == [200]
    settled = db.session.get(Payment, payment["id"], populate_existing=True)
    assert settled.status == "succeeded" and settled.amount_paid == settled.amount
    assert settled.receipt and len(settled.receipt) == 10
    assert db.session.get(Order, order["id"], populate_existing=True).status == "paid"
    [event] = db.session.scalars(select(PaymentEvent)).all()
    assert event.kind == "callback" and event.outcome == "succeeded"
    callback = next(call for call in sandbox.calls if "/payments/mpesa/callback/" in call.request.url)
    assert callback.request.url == app.config["PUBLIC_BASE_URL"] + (
        f"/api/v1/payments/mpesa/callback/{app.config['MPESA_CALLBACK_SECRET']}"
    )


@pytest.mark.parametrize(
    "phone,status,failure",
    [
        ("0700001032", "cancelled", "cancelled"),
        ("0700000001", "failed", "insufficient_funds"),
        ("0700002001", "failed", "wrong_pin"),
        ("0700001037", "failed", "phone_unreachable"),
    ],
)
def test_the_number_chooses_the_failure(app, client, customer, order, sandbox, phone, status, failure):
    payment = push(client, customer, order, phone).get_json()
    assert deliver_pending(app) == [200]
    settled = db.session.get(Payment, payment["id"], populate_existing=True)
    assert (settled.status, settled.failure_code) == (status, failure)
    assert db.session.get(Order, order["id"], populate_existing=True).status == "pending_payment"


def test_a_lost_callback_is_found_by_the_query(app, client, customer, order, sandbox, monkeypatch):
    box = app.extensions[EXTENSION]
    monkeypatch.setattr(box, "delay", 3600.0)  # the prompt still open on the phone
    payment = push(client, customer, order, "0700000000").get_json()
    assert deliver_pending(app) == []  # this number never gets a callback
    refresh = f"/api/v1/payments/{payment['id']}/refresh"
    assert client.post(refresh, headers=customer.headers).get_json()["status"] == "pending"  # being processed
    monkeypatch.setattr(box, "delay", 0.0)
    monkeypatch.setitem(app.config, "PAYMENT_QUERY_SECONDS", 1)
    import time_machine

    from app.common.types import utcnow

    with time_machine.travel(utcnow().timestamp() + 2, tick=False):
        answered = client.post(refresh, headers=customer.headers).get_json()
    assert answered["status"] == "succeeded"
    assert db.session.get(Order, order["id"], populate_existing=True).status == "paid"


def test_the_sandbox_checks_what_daraja_checks(app, client, sandbox):
    base = "/sandbox/mpesa"
    basic = base64.b64encode(b"sandbox-consumer-key:wrong").decode()
    refused = client.get(
        f"{base}/oauth/v1/generate?grant_type=client_credentials", headers={"Authorization": f"Basic {basic}"}
    )
    assert refused.status_code == 400 and refused.get_json()["errorCode"] == "400.008.01"
    assert client.post(f"{base}/mpesa/stkpush/v1/processrequest", json={}).status_code == 401
    good = base64.b64encode(b"sandbox-consumer-key:sandbox-consumer-secret").decode()
    token = client.get(
        f"{base}/oauth/v1/generate?grant_type=client_credentials", headers={"Authorization": f"Basic {good}"}
    ).get_json()["access_token"]
    body = {
        "BusinessShortCode": "174379",
        "Password": "wrong",
        "Timestamp": "20261205120000",
        "TransactionType": "CustomerPayBillOnline",
        "Amount": 10,
        "PartyA": "254708374149",
        "PartyB": "174379",
        "PhoneNumber": "254708374149",
        "CallBackURL": "https://shop.example/cb",
        "AccountReference": "DK1",
        "TransactionDesc": "x",
    }
    wrong = client.post(
        f"{base}/mpesa/stkpush/v1/processrequest", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert wrong.status_code == 400 and wrong.get_json()["errorMessage"] == "Bad Request - Invalid Password"


def test_the_checkout_reference_is_one_the_query_knows(app, client, customer, order, sandbox):
    """The STK Query is asked with the gateway's own Password and the push's CheckoutRequestID:
    the sandbox refuses a wrong one, so a gateway bug in either shows here."""
    payment = push(client, customer, order, "0708374149").get_json()
    db.session.get(Payment, payment["id"]).provider_reference = "ws_CO_unknown"
    db.session.flush()
    assert_problem(
        client.post(f"/api/v1/payments/{payment['id']}/refresh", headers=customer.headers), 502, "provider_unavailable"
    )
