"""Refunds: full, partial, never more than captured; a cancelled paid order is refunded."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
import requests
from sqlalchemy import func, select

from app.extensions import db
from app.payments.models import Payment, Refund
from tests.helpers import ORDERS, assert_problem
from tests.payments.test_mpesa import CALLBACK, PUSH_URL, accepted, push, success_callback
from tests.payments.test_paystack import API, WEBHOOK, _signed, _start, _transaction


@pytest.fixture
def paid_by_card(client, customer, card_order, paystack_api):
    started = _start(client, customer, card_order, paystack_api)
    raw, headers = _signed({"event": "charge.success", "data": _transaction(started["reference"])})
    assert client.post(WEBHOOK, data=raw, headers=headers).status_code == 200
    return started["payment"]["id"], started["reference"]


def _refund_answer(status: str = "pending") -> dict:
    return {
        "status": True,
        "message": "Refund has been queued for processing",
        "data": {
            "id": 3018284,
            "amount": 50000,
            "currency": "KES",
            "status": status,
            "transaction": {"id": 4099260516},
        },
    }


def refunds_url(payment_id: int) -> str:
    return f"/api/v1/payments/{payment_id}/refunds"


def test_a_partial_then_the_rest_then_nothing_more(client, admin, paid_by_card, paystack_api):
    payment_id, reference = paid_by_card
    paystack_api.post(f"{API}/refund", json=_refund_answer())
    part = client.post(
        refunds_url(payment_id), json={"amount": "500.00", "reason": "Damaged box"}, headers=admin.headers
    )
    assert part.status_code == 201, part.get_json()
    assert part.get_json()["status"] == "pending" and part.get_json()["provider_reference"] == "3018284"
    sent = json.loads(paystack_api.calls[-1].request.body)
    assert sent == {"transaction": reference, "amount": 50000}
    payment = client.get(f"/api/v1/payments/{payment_id}", headers=admin.headers).get_json()
    assert payment["status"] == "partially_refunded" and [r["amount"] for r in payment["refunds"]] == ["500.00"]

    over = client.post(refunds_url(payment_id), json={"amount": "1000.01", "reason": "x"}, headers=admin.headers)
    assert assert_problem(over, 409, "refund_exceeds_payment")["refundable"] == "1000.00"
    rest = client.post(refunds_url(payment_id), json={"reason": "Customer asked"}, headers=admin.headers)
    assert rest.status_code == 201 and rest.get_json()["amount"] == "1000.00"
    assert db.session.get(Payment, payment_id).status == "refunded"
    again = client.post(refunds_url(payment_id), json={"reason": "Again"}, headers=admin.headers)
    assert_problem(again, 409, "not_refundable")


def test_a_full_refund_sends_no_amount(client, admin, paid_by_card, paystack_api):
    payment_id, reference = paid_by_card
    paystack_api.post(f"{API}/refund", json=_refund_answer("processed"))
    response = client.post(refunds_url(payment_id), json={"reason": "Out of stock"}, headers=admin.headers)
    assert response.get_json()["status"] == "succeeded"
    assert json.loads(paystack_api.calls[-1].request.body) == {"transaction": reference}


def test_paystack_down_refunds_nothing(client, admin, paid_by_card, paystack_api):
    payment_id, _ = paid_by_card
    paystack_api.post(f"{API}/refund", body=requests.exceptions.ConnectTimeout())
    response = client.post(refunds_url(payment_id), json={"reason": "x"}, headers=admin.headers)
    assert_problem(response, 502, "provider_unavailable")
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0
    assert db.session.get(Payment, payment_id).status == "succeeded"


def test_mpesa_refunds_are_recorded_with_the_reference_made_by_hand(client, admin, customer, order, daraja):
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    client.post(CALLBACK, json=success_callback())
    missing = client.post(refunds_url(payment["id"]), json={"reason": "x"}, headers=admin.headers)
    assert assert_problem(missing, 422, "validation_error")["errors"].keys() == {"reference"}
    done = client.post(
        refunds_url(payment["id"]), json={"reason": "Returned", "reference": "QKJ2X8REV"}, headers=admin.headers
    )
    assert done.status_code == 201 and done.get_json()["status"] == "succeeded"
    assert db.session.get(Payment, payment["id"]).status == "refunded"


def test_refunds_are_admin_only(client, customer, paid_by_card):
    payment_id, _ = paid_by_card
    assert_problem(
        client.post(refunds_url(payment_id), json={"reason": "x"}, headers=customer.headers), 403, "forbidden"
    )


def test_a_pending_payment_cannot_be_refunded(client, admin, customer, card_order, paystack_api):
    started = _start(client, customer, card_order, paystack_api)
    response = client.post(refunds_url(started["payment"]["id"]), json={"reason": "x"}, headers=admin.headers)
    assert_problem(response, 409, "not_refundable")


def test_cancelling_a_paid_card_order_refunds_it(client, customer, card_order, paid_by_card, paystack_api):
    payment_id, reference = paid_by_card
    paystack_api.post(f"{API}/refund", json=_refund_answer())
    response = client.post(f"{ORDERS}/{card_order['id']}/cancel", json={"reason": "Too slow"}, headers=customer.headers)
    assert response.status_code == 200
    [refund] = db.session.scalars(select(Refund)).all()
    assert refund.amount == Decimal("1500.00") and refund.status == "pending" and refund.requested_by_id is None
    assert json.loads(paystack_api.calls[-1].request.body) == {"transaction": reference}
    assert db.session.get(Payment, payment_id).status == "refunded"


def test_cancelling_a_partly_refunded_order_refunds_the_rest(
    client, admin, customer, card_order, paid_by_card, paystack_api
):
    payment_id, _ = paid_by_card
    paystack_api.post(f"{API}/refund", json=_refund_answer())
    client.post(refunds_url(payment_id), json={"amount": "500.00", "reason": "Scratched"}, headers=admin.headers)
    assert client.post(f"{ORDERS}/{card_order['id']}/cancel", json={}, headers=customer.headers).status_code == 200
    assert [r.amount for r in db.session.scalars(select(Refund).order_by(Refund.id))] == [
        Decimal("500.00"),
        Decimal("1000.00"),
    ]
    assert db.session.get(Payment, payment_id).status == "refunded"


def test_cancelling_a_paid_order_survives_paystack_being_down(client, customer, card_order, paid_by_card, paystack_api):
    payment_id, _ = paid_by_card
    paystack_api.post(f"{API}/refund", status=503, body="down")
    response = client.post(f"{ORDERS}/{card_order['id']}/cancel", json={}, headers=customer.headers)
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    [refund] = db.session.scalars(select(Refund)).all()
    assert refund.status == "requested" and "did not answer" in refund.failure_reason  # sent again by the task's retry
    payment = db.session.get(Payment, payment_id)
    assert payment.needs_refund and payment.status == "succeeded"


def test_cancelling_a_paid_mpesa_order_flags_it_for_a_refund_by_hand(client, admin, customer, order, daraja):
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    client.post(CALLBACK, json=success_callback())
    client.post(f"{ORDERS}/{order['id']}/cancel", json={}, headers=customer.headers)
    flagged = client.get("/api/v1/payments?needs_refund=true", headers=admin.headers).get_json()
    assert [p["id"] for p in flagged["items"]] == [payment["id"]]
    assert client.get("/api/v1/payments?needs_refund=false", headers=admin.headers).get_json()["items"] == []


def test_admins_filter_payments(client, admin, customer, paid_by_card):
    payment_id, _ = paid_by_card
    for query, expected in (
        ("provider=paystack", [payment_id]),
        ("provider=mpesa", []),
        ("status=succeeded", [payment_id]),
    ):
        assert [
            p["id"] for p in client.get(f"/api/v1/payments?{query}", headers=admin.headers).get_json()["items"]
        ] == expected
    assert_problem(client.get("/api/v1/payments", headers=customer.headers), 403, "forbidden")
