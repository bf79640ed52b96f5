"""Paystack (cards) end to end, its API stubbed at the `requests` layer with documented payloads."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
import responses
import time_machine
from sqlalchemy import func, select

from app.common.types import utcnow
from app.extensions import db
from app.orders.models import Order
from app.payments.models import Payment, PaymentEvent
from tests.factories import ProductFactory
from tests.helpers import ORDERS, add_to_cart, assert_problem, checkout

API = "https://api.paystack.co"
SECRET_KEY = "sk_test_0123456789abcdef0123456789abcdef01234567"
INIT = "/api/v1/payments/paystack/initialize"
WEBHOOK = "/api/v1/payments/paystack/webhook"


def _initialized(reference: str) -> dict:
    return {
        "status": True,
        "message": "Authorization URL created",
        "data": {
            "authorization_url": "https://checkout.paystack.com/0peioxfhpn",
            "access_code": "0peioxfhpn",
            "reference": reference,
        },
    }


def _transaction(reference: str, amount: int = 150000, status: str = "success", currency: str = "KES") -> dict:
    return {
        "id": 4099260516,
        "domain": "test",
        "status": status,
        "reference": reference,
        "amount": amount,
        "gateway_response": "Successful" if status == "success" else "Declined",
        "paid_at": "2026-12-02T08:12:26.000Z",
        "channel": "card",
        "currency": currency,
        "customer": {"email": "buyer@example.com"},
    }


def _start(client, customer, order, api) -> dict:
    def echo(request):
        return 200, {}, json.dumps(_initialized(json.loads(request.body)["reference"]))

    api.add_callback(responses.POST, f"{API}/transaction/initialize", callback=echo, content_type="application/json")
    response = client.post(INIT, json={"order_id": order["id"]}, headers=customer.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _signed(body: dict, key: str = SECRET_KEY) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    signature = hmac.new(key.encode(), raw, hashlib.sha512).hexdigest()
    return raw, {"x-paystack-signature": signature, "Content-Type": "application/json"}


def test_initialize_sends_the_documented_request(client, customer, card_order, paystack_api):
    started = _start(client, customer, card_order, paystack_api)
    assert started["authorization_url"] == "https://checkout.paystack.com/0peioxfhpn"
    assert started["reference"].startswith(card_order["reference"] + "-")
    assert started["payment"]["status"] == "pending" and started["payment"]["provider"] == "paystack"
    call = paystack_api.calls[0]
    assert call.request.headers["Authorization"] == f"Bearer {SECRET_KEY}"
    sent = json.loads(call.request.body)
    assert sent["amount"] == 150000 and sent["currency"] == "KES"  # KES in cents
    assert sent["email"] == customer.user.email and sent["reference"] == started["reference"]
    assert sent["metadata"] == {"order_reference": card_order["reference"]}
    assert sent["callback_url"] == f"http://localhost:3000/orders?order={card_order['reference']}"


def test_a_signed_charge_success_pays_the_order_once(client, customer, card_order, paystack_api):
    started = _start(client, customer, card_order, paystack_api)
    raw, headers = _signed({"event": "charge.success", "data": _transaction(started["reference"])})
    assert client.post(WEBHOOK, data=raw, headers=headers).status_code == 200
    assert client.post(WEBHOOK, data=raw, headers=headers).status_code == 200  # a duplicate
    payment = db.session.get(Payment, started["payment"]["id"])
    assert (
        payment.status == "succeeded" and payment.receipt == "4099260516" and payment.amount_paid == Decimal("1500.00")
    )
    order = client.get(f"{ORDERS}/{card_order['id']}", headers=customer.headers).get_json()
    assert order["status"] == "paid" and sum(e["to_status"] == "paid" for e in order["history"]) == 1
    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 1


@pytest.mark.parametrize("signature", [None, "", "deadbeef", "forged-with-another-key"])
def test_a_bad_or_missing_signature_is_401_and_changes_nothing(client, customer, card_order, paystack_api, signature):
    started = _start(client, customer, card_order, paystack_api)
    raw, headers = _signed({"event": "charge.success", "data": _transaction(started["reference"])})
    if signature == "forged-with-another-key":
        headers = _signed({"event": "charge.success", "data": _transaction(started["reference"])}, key="sk_test_other")[
            1
        ]
    elif signature is None:
        headers.pop("x-paystack-signature")
    else:
        headers["x-paystack-signature"] = signature
    assert_problem(client.post(WEBHOOK, data=raw, headers=headers), 401, "invalid_signature")
    assert db.session.get(Payment, started["payment"]["id"]).status == "pending"
    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 0


@pytest.mark.parametrize("amount,currency", [(100, "KES"), (150000, "NGN")])
def test_a_charge_for_another_amount_or_currency_is_flagged(
    client, customer, card_order, paystack_api, amount, currency
):
    started = _start(client, customer, card_order, paystack_api)
    raw, headers = _signed(
        {"event": "charge.success", "data": _transaction(started["reference"], amount=amount, currency=currency)}
    )
    client.post(WEBHOOK, data=raw, headers=headers)
    payment = db.session.get(Payment, started["payment"]["id"])
    assert payment.needs_review and payment.failure_code == "amount_mismatch"
    assert db.session.get(Order, card_order["id"]).status == "pending_payment"


def test_other_events_and_unknown_references_are_logged_not_acted_on(client, paystack_api):
    raw, headers = _signed({"event": "transfer.success", "data": {"id": 1, "reference": "x"}})
    assert client.post(WEBHOOK, data=raw, headers=headers).status_code == 200
    raw, headers = _signed({"event": "charge.success", "data": _transaction("DKNOBODY-1")})
    assert client.post(WEBHOOK, data=raw, headers=headers).status_code == 200
    outcomes = sorted(db.session.scalars(select(PaymentEvent.outcome)).all())
    assert outcomes == ["ignored: transfer.success", "unknown payment"]


def test_verify_settles_when_the_customer_comes_back(client, customer, card_order, paystack_api, other_customer):
    started = _start(client, customer, card_order, paystack_api)
    reference = started["reference"]
    paystack_api.get(
        f"{API}/transaction/verify/{reference}",
        json={"status": True, "message": "Verification successful", "data": _transaction(reference)},
    )
    url = f"/api/v1/payments/paystack/verify/{reference}"
    assert_problem(client.get(url, headers=other_customer.headers), 404, "payment_not_found")
    verified = client.get(url, headers=customer.headers).get_json()
    assert verified["status"] == "succeeded"
    assert db.session.get(Order, card_order["id"]).status == "paid"


def test_a_declined_card_fails_the_payment(client, customer, card_order, paystack_api):
    started = _start(client, customer, card_order, paystack_api)
    reference = started["reference"]
    paystack_api.get(
        f"{API}/transaction/verify/{reference}",
        json={"status": True, "message": "Verification successful", "data": _transaction(reference, status="failed")},
    )
    verified = client.get(f"/api/v1/payments/paystack/verify/{reference}", headers=customer.headers).get_json()
    assert verified["status"] == "failed" and verified["failure_code"] == "paystack_failed"


@pytest.mark.parametrize(
    "stub,status",
    [
        ({"body": requests.exceptions.ReadTimeout()}, 502),
        ({"status": 502, "body": "<html>Bad gateway</html>"}, 502),
        ({"status": 400, "json": {"status": False, "message": "Invalid Email Address Passed"}}, 422),
    ],
)
def test_provider_failures_leave_nothing_behind(client, customer, card_order, paystack_api, stub, status):
    paystack_api.post(f"{API}/transaction/initialize", **stub)
    response = client.post(INIT, json={"order_id": card_order["id"]}, headers=customer.headers)
    assert response.status_code == status
    assert SECRET_KEY not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_an_mpesa_order_is_not_paid_by_card(client, customer, address, zone, paystack_api):
    add_to_cart(client, customer, ProductFactory(stock=5))
    order = checkout(client, customer, address).get_json()
    assert_problem(
        client.post(INIT, json={"order_id": order["id"]}, headers=customer.headers), 409, "order_not_payable"
    )


def test_card_is_offered_only_with_a_secret_key(client, app, paystack_api, monkeypatch):
    assert "card" in [m["method"] for m in client.get("/api/v1/payments/methods").get_json()]
    monkeypatch.setitem(app.config, "PAYSTACK_SECRET_KEY", None)
    assert "card" not in [m["method"] for m in client.get("/api/v1/payments/methods").get_json()]


def _verify_answer(reference: str, status: str) -> dict:
    return {"status": True, "message": "Verification successful", "data": _transaction(reference, status=status)}


def test_an_unpaid_transaction_stays_pending(client, customer, card_order, paystack_api):
    # Paystack reports a transaction nobody has paid yet as "abandoned": the customer may still pay it.
    reference = _start(client, customer, card_order, paystack_api)["reference"]
    paystack_api.get(f"{API}/transaction/verify/{reference}", json=_verify_answer(reference, "abandoned"))
    verified = client.get(f"/api/v1/payments/paystack/verify/{reference}", headers=customer.headers).get_json()
    assert verified["status"] == "pending"
    assert db.session.get(Order, card_order["id"]).status == "pending_payment"


def test_the_reconciliation_task_verifies_pending_card_payments(client, customer, card_order, paystack_api):
    from app.payments.tasks import reconcile_pending_payments

    reference = _start(client, customer, card_order, paystack_api)["reference"]
    paystack_api.get(f"{API}/transaction/verify/{reference}", json=_verify_answer(reference, "success"))
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        assert reconcile_pending_payments.delay().result == 1
    assert db.session.scalar(select(Payment.status)) == "succeeded"
    assert db.session.get(Order, card_order["id"]).status == "paid"
    assert paystack_api.calls[-1].request.headers["Authorization"] == f"Bearer {SECRET_KEY}"


def test_a_success_after_a_recorded_failure_is_money_taken(client, customer, card_order, paystack_api):
    reference = _start(client, customer, card_order, paystack_api)["reference"]
    paystack_api.get(f"{API}/transaction/verify/{reference}", json=_verify_answer(reference, "failed"))
    client.get(f"/api/v1/payments/paystack/verify/{reference}", headers=customer.headers)
    assert db.session.scalar(select(Payment.status)) == "failed"
    # The customer retried the card on the same transaction and it went through: Paystack says so.
    raw, headers = _signed({"event": "charge.success", "data": _transaction(reference)})
    assert client.post(WEBHOOK, data=raw, headers=headers, content_type="application/json").status_code == 200
    payment = db.session.scalar(select(Payment))
    assert payment.status == "succeeded" and payment.failure_code is None
    assert db.session.get(Order, card_order["id"]).status == "paid"


def test_one_open_attempt_per_order_and_a_new_one_after_a_failure(client, customer, card_order, paystack_api):
    first = _start(client, customer, card_order, paystack_api)
    again = client.post(INIT, json={"order_id": card_order["id"]}, headers=customer.headers)
    body = assert_problem(again, 409, "payment_in_progress")
    assert body["payment_id"] == first["payment"]["id"] and body["redirect_url"] == first["authorization_url"]
    paystack_api.get(
        f"{API}/transaction/verify/{first['reference']}",
        json={
            "status": True,
            "message": "Verification successful",
            "data": _transaction(first["reference"], status="failed"),
        },
    )
    failed = client.get(f"/api/v1/payments/paystack/verify/{first['reference']}", headers=customer.headers)
    assert failed.get_json()["status"] == "failed"
    assert _start(client, customer, card_order, paystack_api)["reference"] != first["reference"]


def test_initiations_are_rate_limited_per_user(client, customer, other_customer, card_order, paystack_api):
    _start(client, customer, card_order, paystack_api)
    for _ in range(4):  # refused as in progress, and counted all the same
        assert client.post(INIT, json={"order_id": card_order["id"]}, headers=customer.headers).status_code == 409
    limited = client.post(INIT, json={"order_id": card_order["id"]}, headers=customer.headers)
    assert_problem(limited, 429, "rate_limited")
    assert "Retry-After" in limited.headers
    # Another user is not held back by this one.
    other = client.post(INIT, json={"order_id": card_order["id"]}, headers=other_customer.headers)
    assert_problem(other, 404, "order_not_found")
