"""Cards through the local Paystack sandbox: initialize, the payment page, the signed webhook,
verify and refunds, with the real gateway and webhook route."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.orders.models import Order
from app.payments.models import Payment, PaymentEvent
from app.sandbox.store import deliver_pending
from tests.payments.conftest import order_of_1500

INIT = "/api/v1/payments/paystack/initialize"


@pytest.fixture
def started(client, customer, address, zone, sandbox):
    order = order_of_1500(client, customer, address, "card")
    response = client.post(INIT, json={"order_id": order["id"]}, headers=customer.headers)
    assert response.status_code == 201, response.get_json()
    return order, response.get_json()


def page_of(url: str) -> str:
    return urlsplit(url).path


def test_paying_on_the_page_sends_a_signed_webhook_that_pays_the_order(app, client, customer, started):
    order, opened = started
    page = client.get(page_of(opened["authorization_url"]))
    assert page.status_code == 200 and "KES 1500.00" in page.get_data(as_text=True)
    paid = client.post(page_of(opened["authorization_url"]), data={"outcome": "success"})
    assert paid.status_code == 303
    back = urlsplit(paid.headers["Location"])
    sent_back = parse_qs(back.query)
    assert back.path == "/orders" and sent_back["reference"] == sent_back["trxref"] == [opened["reference"]]
    assert sent_back["order"] == [order["reference"]]
    assert db.session.get(Order, order["id"]).status == "pending_payment"  # until the webhook

    assert deliver_pending(app) == [200]
    assert db.session.get(Order, order["id"], populate_existing=True).status == "paid"
    [event] = db.session.scalars(select(PaymentEvent)).all()
    assert event.kind == "webhook" and event.outcome == "succeeded" and event.headers["x-paystack-signature"]


def test_verify_settles_before_the_webhook_and_the_webhook_then_changes_nothing(app, client, customer, started):
    order, opened = started
    client.post(page_of(opened["authorization_url"]), data={"outcome": "success"})
    verified = client.get(f"/api/v1/payments/paystack/verify/{opened['reference']}", headers=customer.headers)
    assert verified.get_json()["status"] == "succeeded"
    assert deliver_pending(app) == [200]
    assert db.session.scalars(select(PaymentEvent.outcome).where(PaymentEvent.kind == "webhook")).all() == [
        "no change (succeeded)"
    ]
    assert db.session.get(Order, order["id"], populate_existing=True).status == "paid"


def test_a_declined_card_fails_the_attempt_and_a_new_one_may_start(app, client, customer, started):
    order, opened = started
    client.post(page_of(opened["authorization_url"]), data={"outcome": "failed"})
    assert deliver_pending(app) == []  # Paystack sends charge.success only
    verified = client.get(f"/api/v1/payments/paystack/verify/{opened['reference']}", headers=customer.headers)
    assert verified.get_json()["status"] == "failed"
    again = client.post(INIT, json={"order_id": order["id"]}, headers=customer.headers)
    assert again.status_code == 201 and again.get_json()["reference"] != opened["reference"]


def test_an_unpaid_transaction_stays_pending(client, customer, started):
    _, opened = started
    verified = client.get(f"/api/v1/payments/paystack/verify/{opened['reference']}", headers=customer.headers)
    assert verified.get_json()["status"] == "pending"


def test_an_admin_refund_goes_to_the_sandbox(app, client, customer, admin, started):
    _, opened = started
    client.post(page_of(opened["authorization_url"]), data={"outcome": "success"})
    deliver_pending(app)
    payment = db.session.scalar(select(Payment))
    response = client.post(
        f"/api/v1/payments/{payment.id}/refunds", json={"amount": "500.00", "reason": "Damaged"}, headers=admin.headers
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "pending" and response.get_json()["provider_reference"]
    too_much = client.post(
        f"/api/v1/payments/{payment.id}/refunds", json={"amount": "1001.00", "reason": "x"}, headers=admin.headers
    )
    assert too_much.status_code == 409


def test_the_sandbox_checks_the_secret_key(client, sandbox):
    refused = client.post("/sandbox/paystack/transaction/initialize", json={}, headers={"Authorization": "Bearer sk_x"})
    assert refused.status_code == 401 and refused.get_json() == {"status": False, "message": "Invalid key"}
    assert client.get("/sandbox/paystack/checkout/nothing").status_code == 404
