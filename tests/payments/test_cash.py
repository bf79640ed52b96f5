"""Cash on delivery: the order proceeds unpaid; an admin confirms the cash received."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.orders.models import Order
from app.payments.models import Payment
from tests.helpers import ORDERS, assert_problem

CONFIRM = "/api/v1/payments/cash/confirm"


def _move(client, admin, order, *states):
    for status in states:
        response = client.patch(f"{ORDERS}/{order['id']}/status", json={"status": status}, headers=admin.headers)
        assert response.status_code == 200, response.get_json()


def test_cash_taken_at_the_door_delivers_and_pays_the_order(client, admin, customer, cash_order):
    _move(client, admin, cash_order, "processing", "shipped", "out_for_delivery")
    response = client.post(CONFIRM, json={"order_id": cash_order["id"], "amount": "1500.00"}, headers=admin.headers)
    assert response.status_code == 201, response.get_json()
    payment = response.get_json()
    assert (payment["provider"], payment["status"], payment["amount_paid"], payment["currency"]) == (
        "cash",
        "succeeded",
        "1500.00",
        "KES",
    )
    assert response.headers["Location"].endswith(f"/api/v1/payments/{payment['id']}")
    order = client.get(f"{ORDERS}/{cash_order['id']}", headers=customer.headers).get_json()
    assert order["status"] == "delivered" and order["paid_at"] is not None
    assert (order["history"][-1]["to_status"], order["history"][-1]["actor_kind"]) == ("delivered", "admin")
    mine = client.get(f"{ORDERS}/{cash_order['id']}/payments", headers=customer.headers).get_json()["items"]
    assert [p["id"] for p in mine] == [payment["id"]]


def test_cash_paid_before_the_order_is_processed_makes_it_paid(client, admin, cash_order):
    client.post(CONFIRM, json={"order_id": cash_order["id"], "amount": "1500.00"}, headers=admin.headers)
    order = db.session.get(Order, cash_order["id"])
    assert order.status == "paid" and order.paid_at is not None


def test_cash_confirmed_on_a_shipped_order_keeps_its_state(client, admin, cash_order):
    _move(client, admin, cash_order, "processing", "shipped")
    client.post(CONFIRM, json={"order_id": cash_order["id"], "amount": "1500.00"}, headers=admin.headers)
    order = db.session.get(Order, cash_order["id"])
    assert order.status == "shipped" and order.paid_at is not None


def test_another_amount_is_422_naming_the_total(client, admin, cash_order):
    response = client.post(CONFIRM, json={"order_id": cash_order["id"], "amount": "1400.00"}, headers=admin.headers)
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"]["amount"] == ["The amount due for this order is KES 1500.00."]
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0


def test_confirming_twice_is_409(client, admin, cash_order):
    body = {"order_id": cash_order["id"], "amount": "1500.00"}
    assert client.post(CONFIRM, json=body, headers=admin.headers).status_code == 201
    assert_problem(client.post(CONFIRM, json=body, headers=admin.headers), 409, "order_already_paid")
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1


def test_only_a_live_cash_order_takes_cash(client, admin, customer, cash_order, order):
    not_cash = client.post(CONFIRM, json={"order_id": order["id"], "amount": "1500.00"}, headers=admin.headers)
    assert_problem(not_cash, 409, "order_not_payable")
    client.post(f"{ORDERS}/{cash_order['id']}/cancel", json={}, headers=customer.headers)
    cancelled = client.post(CONFIRM, json={"order_id": cash_order["id"], "amount": "1500.00"}, headers=admin.headers)
    assert_problem(cancelled, 409, "order_not_payable")
    missing = client.post(CONFIRM, json={"order_id": 999999, "amount": "1500.00"}, headers=admin.headers)
    assert_problem(missing, 404, "order_not_found")


def test_only_admins_confirm_cash(client, customer, cash_order):
    response = client.post(CONFIRM, json={"order_id": cash_order["id"], "amount": "1500.00"}, headers=customer.headers)
    assert_problem(response, 403, "forbidden")


@pytest.mark.parametrize("amount", [1500.0, "abc", "-1500.00", "1500.001", None])
def test_the_amount_is_money(client, admin, cash_order, amount):
    response = client.post(CONFIRM, json={"order_id": cash_order["id"], "amount": amount}, headers=admin.headers)
    assert_problem(response, 422, "validation_error")


def test_a_cash_refund_is_recorded_with_its_reference(client, admin, cash_order):
    paid = client.post(
        CONFIRM, json={"order_id": cash_order["id"], "amount": "1500.00"}, headers=admin.headers
    ).get_json()
    url = f"/api/v1/payments/{paid['id']}/refunds"
    assert_problem(client.post(url, json={"reason": "returned"}, headers=admin.headers), 422, "validation_error")
    done = client.post(url, json={"reason": "returned", "reference": "CASH-0001"}, headers=admin.headers)
    assert done.status_code == 201 and done.get_json()["status"] == "succeeded"
    assert db.session.scalar(select(Payment.status)) == "refunded"
