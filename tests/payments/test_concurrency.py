"""Settling payments under concurrency (PostgreSQL, real commits, threads)."""

from __future__ import annotations

import json
import threading
from collections import Counter
from decimal import Decimal

import pytest
import responses
from sqlalchemy import func, select

from app.cart.services import Owner, add_line
from app.extensions import db
from app.notifications.models import OutboxEmail
from app.orders.models import Order, OrderEvent
from app.orders.services.checkout import place_order
from app.payments.gateways import tokens
from app.payments.models import Payment, PaymentEvent
from tests.factories import AddressFactory, DeliveryZoneFactory, ProductFactory, UserFactory
from tests.payments.test_mpesa import CALLBACK, CHECKOUT_ID, QUERY_URL, SECRET, success_callback


def _pending_payment(
    app, method: str = "mpesa", reference: str = CHECKOUT_ID, amount: str = "1500.00", currency: str = "KES"
) -> tuple[int, int]:
    """A committed order of KES 1,500.00 with a pending payment (M-Pesa unless told);
    (order id, payment id)."""
    with app.app_context():
        DeliveryZoneFactory(counties=["Nairobi"], fee="250.00")
        user = UserFactory(role="customer")
        address = AddressFactory(user_id=user.id, county="Nairobi", town="Nairobi")
        add_line(Owner(user=user), ProductFactory(price=Decimal("1250.00"), stock=5).id, 1)
        order = place_order(user, {"address_id": address.id, "payment_method": method})
        db.session.flush()
        payment = Payment(
            order_id=order.id,
            user_id=user.id,
            provider=method,
            amount=Decimal(amount),
            currency=currency,
            order_amount=order.total,
            provider_reference=reference,
        )
        db.session.add(payment)
        db.session.commit()
        return order.id, payment.id


def _together(jobs) -> list:
    results: list = []
    start = threading.Barrier(len(jobs))

    def run(job):
        start.wait()
        results.append(job())

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _settled_once(app, order_id: int, payment_id: int) -> None:
    with app.app_context():
        assert db.session.get(Payment, payment_id).status == "succeeded"
        assert db.session.get(Order, order_id).status == "paid"
        paid_events = select(func.count()).where(OrderEvent.order_id == order_id, OrderEvent.to_status == "paid")
        assert db.session.scalar(paid_events) == 1
        receipts = select(func.count()).where(OutboxEmail.subject == "Payment received")
        assert db.session.scalar(receipts) == 1


@pytest.fixture
def daraja_secret(app, monkeypatch):
    for name, value in {
        "MPESA_BASE_URL": "https://sandbox.safaricom.co.ke",
        "MPESA_CONSUMER_KEY": "consumer-key",
        "MPESA_CONSUMER_SECRET": "consumer-secret",
        "MPESA_PASSKEY": "passkey",
        "MPESA_CALLBACK_SECRET": SECRET,
    }.items():
        monkeypatch.setitem(app.config, name, value)
    tokens.forget()
    yield
    tokens.forget()


@pytest.mark.own_database
@pytest.mark.postgres
def test_one_callback_delivered_ten_times_at_once_settles_once(app, committed, daraja_secret):
    order_id, payment_id = _pending_payment(app)

    def deliver():
        return app.test_client().post(CALLBACK, json=success_callback()).status_code

    assert Counter(_together([deliver] * 10)) == Counter({200: 10})
    _settled_once(app, order_id, payment_id)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 1


@pytest.mark.own_database
@pytest.mark.postgres
def test_a_callback_racing_the_reconciliation_query_settles_once(app, committed, daraja_secret):
    from datetime import timedelta

    import time_machine

    from app.common.types import utcnow
    from app.payments.services.settlement import reconcile_pending

    order_id, payment_id = _pending_payment(app)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get("https://sandbox.safaricom.co.ke/oauth/v1/generate", json={"access_token": "t", "expires_in": "3599"})
        mock.post(
            QUERY_URL,
            json={
                "ResponseCode": "0",
                "ResultCode": "0",
                "ResultDesc": "The service request is processed successfully.",
            },
        )

        def callback():
            return app.test_client().post(CALLBACK, json=success_callback()).status_code

        def query():
            with app.app_context():
                return reconcile_pending(older_than=timedelta(0))

        with time_machine.travel(utcnow() + timedelta(seconds=5), tick=False):
            results = _together([callback, query] * 3)
    assert results.count(200) == 3
    _settled_once(app, order_id, payment_id)


@pytest.mark.own_database
@pytest.mark.postgres
def test_two_refunds_racing_never_exceed_what_was_captured(app, committed):
    from app.errors import AppError
    from app.payments.services.refunds import refund
    from tests.helpers import run_together

    _, payment_id = _pending_payment(app)
    with app.app_context():
        payment = db.session.get(Payment, payment_id)
        payment.provider = "cash"  # refunded by hand: no provider call in the race
        payment.status, payment.amount_paid = "succeeded", Decimal("1500.00")
        db.session.commit()

    def refund_1000(reference: str):
        return lambda: refund(None, payment_id, Decimal("1000.00"), "race", reference)

    errors = run_together(app, [refund_1000("A"), refund_1000("B"), refund_1000("C")])
    assert len(errors) == 2 and all(isinstance(e, AppError) and e.code == "refund_exceeds_payment" for e in errors)
    with app.app_context():
        from app.payments.models import Refund

        assert db.session.scalar(select(func.sum(Refund.amount))) == Decimal("1000.00")
        assert db.session.get(Payment, payment_id).status == "partially_refunded"


@pytest.mark.own_database
@pytest.mark.postgres
def test_a_paypal_capture_racing_its_webhooks_settles_once(app, committed, monkeypatch):
    from tests.helpers import bearer, tokens_for
    from tests.payments.conftest import PAYPAL, PAYPAL_TOKEN
    from tests.payments.test_paypal import (
        ORDERS_URL,
        PAYPAL_ORDER_ID,
        SIGNED,
        WEBHOOK,
        capture_resource,
        captured_order,
        webhook_event,
    )

    real = {"PAYPAL_BASE_URL": "https://api-m.sandbox.paypal.com", "PAYPAL_CLIENT_ID": "id"}
    for name, value in {**real, "PAYPAL_CLIENT_SECRET": "secret", "PAYPAL_WEBHOOK_ID": "WH1"}.items():
        monkeypatch.setitem(app.config, name, value)
    monkeypatch.setitem(app.config, "PAYPAL_FX_RATE", "129.50")
    # Six requests of up to two provider calls each, at once: the bulkhead (two by default) would
    # refuse some with 503 `provider_busy`, which is its job but not what this test is about.
    monkeypatch.setitem(app.config, "PROVIDER_CALLS_AT_ONCE", 12)
    order_id, payment_id = _pending_payment(app, "paypal", PAYPAL_ORDER_ID, "11.59", "USD")
    with app.app_context():
        from app.auth.models import User

        owner = db.session.get(User, db.session.get(Payment, payment_id).user_id)
        headers = bearer(tokens_for(owner)["access_token"])
    raw = json.dumps(webhook_event("PAYMENT.CAPTURE.COMPLETED", capture_resource()))
    tokens.forget()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(f"{PAYPAL}/v1/oauth2/token", json=PAYPAL_TOKEN)
        mock.post(f"{ORDERS_URL}/{PAYPAL_ORDER_ID}/capture", status=201, json=captured_order())
        mock.post(f"{PAYPAL}/v1/notifications/verify-webhook-signature", json={"verification_status": "SUCCESS"})

        def capture():
            url = f"/api/v1/payments/paypal/orders/{PAYPAL_ORDER_ID}/capture"
            return app.test_client().post(url, headers=headers).status_code

        def webhook():
            client = app.test_client()
            return client.post(WEBHOOK, data=raw, content_type="application/json", headers=SIGNED).status_code

        results = _together([capture, webhook] * 3)
    tokens.forget()
    assert results.count(200) == 6, results
    _settled_once(app, order_id, payment_id)
