"""PayPal through the local sandbox: create, the approval page, capture, the webhook verified by
verify-webhook-signature, refunds, with the real gateway and webhook route."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.extensions import db
from app.orders.models import Order
from app.payments.models import Payment, PaymentEvent, Refund
from app.sandbox.store import EXTENSION, deliver_pending
from tests.helpers import assert_problem
from tests.payments.conftest import order_of_1500

START = "/api/v1/payments/paypal/orders"


@pytest.fixture
def started(client, customer, address, zone, sandbox):
    order = order_of_1500(client, customer, address, "paypal")
    response = client.post(START, json={"order_id": order["id"]}, headers=customer.headers)
    assert response.status_code == 201, response.get_json()
    return order, response.get_json()


def approve(client, approve_url: str, outcome: str = "approve"):
    url = urlsplit(approve_url)
    return client.post(f"{url.path}?{url.query}", data={"outcome": outcome})


def capture(client, customer, opened):
    return client.post(f"{START}/{opened['paypal_order_id']}/capture", headers=customer.headers)


def test_approve_capture_pay_and_the_verified_webhook_changes_nothing(app, client, customer, started):
    order, opened = started
    assert opened["payment"]["amount"] == "11.54" and opened["payment"]["currency"] == "USD"  # 1500 / 130.00
    back = approve(client, opened["approve_url"])
    assert back.status_code == 303
    query = parse_qs(urlsplit(back.headers["Location"]).query)
    assert query["paypal"] == ["approved"] and query["token"] == [opened["paypal_order_id"]]

    captured = capture(client, customer, opened)
    assert captured.status_code == 200 and captured.get_json()["status"] == "succeeded"
    assert db.session.get(Order, order["id"], populate_existing=True).status == "paid"
    assert capture(client, customer, opened).get_json()["status"] == "succeeded"  # twice is harmless

    assert deliver_pending(app) == [200]  # PAYMENT.CAPTURE.COMPLETED, verified with the sandbox
    webhook = db.session.scalar(select(PaymentEvent).where(PaymentEvent.kind == "webhook"))
    assert webhook.outcome == "no change (succeeded)" and webhook.headers["transmission_id"]


def test_a_cancelled_approval_cannot_be_captured(client, customer, started):
    _, opened = started
    back = approve(client, opened["approve_url"], "cancel")
    assert parse_qs(urlsplit(back.headers["Location"]).query)["paypal"] == ["cancelled"]
    body = assert_problem(capture(client, customer, opened), 422, "provider_refused")
    assert body["provider_code"] == "ORDER_NOT_APPROVED"


def test_a_tampered_webhook_is_not_verified(app, client, customer, started):
    _, opened = started
    approve(client, opened["approve_url"])
    capture(client, customer, opened)
    [delivery] = app.extensions[EXTENSION].pending
    delivery.body = delivery.body.replace(b'"COMPLETED"', b'"DECLINED"', 1)
    assert deliver_pending(app) == [401]
    assert db.session.scalar(select(PaymentEvent).where(PaymentEvent.kind == "webhook")) is None


def test_a_refund_goes_to_the_capture_and_its_webhook_is_recorded_once(app, client, customer, admin, started):
    _, opened = started
    approve(client, opened["approve_url"])
    capture(client, customer, opened)
    deliver_pending(app)
    payment = db.session.scalar(select(Payment))
    response = client.post(
        f"/api/v1/payments/{payment.id}/refunds", json={"amount": "5.00", "reason": "Damaged"}, headers=admin.headers
    )
    assert response.status_code == 201 and response.get_json()["status"] == "succeeded"
    assert deliver_pending(app) == [200]  # PAYMENT.CAPTURE.REFUNDED for the refund we made
    assert [(r.amount, r.status) for r in db.session.scalars(select(Refund))] == [(5, "succeeded")]
