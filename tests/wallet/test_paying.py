"""Paying with the wallet at checkout: all of an order, or a part held at checkout with the method
paying the rest; given back if the order is cancelled unpaid, refunded into the wallet if it is
cancelled paid; never spent twice."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.catalog.models import Product
from app.extensions import db
from app.ledger import chart
from app.ledger.chart import SellerBucket, WalletBucket
from app.ledger.services import balances, verify
from app.orders.models import Order
from app.payments.models import Payment
from app.sandbox.store import deliver_pending
from tests.factories import ProductFactory
from tests.helpers import ORDERS, add_to_cart, assert_problem, checkout

WALLET = "/api/v1/wallet"


@pytest.fixture(autouse=True)
def books_are_true():
    yield
    assert verify() == []


@pytest.fixture
def funded(client, admin, customer):
    """The customer's wallet holds KES 2,000.00 (an admin's credit)."""
    url = f"/api/v1/wallets/{customer.user.id}/adjustments"
    assert client.post(url, json={"amount": "2000.00", "reason": "Welcome"}, headers=admin.headers).status_code == 200
    return customer


@pytest.fixture
def lamp(zone):
    """KES 1,250.00 (with delivery 250.00: 1,500.00 an order)."""
    return ProductFactory(price=Decimal("1250.00"), stock=10)


def wallet_of(client, customer) -> dict:
    return client.get(WALLET, headers=customer.headers).get_json()


def test_the_wallet_pays_a_whole_order_at_once(client, funded, address, lamp):
    add_to_cart(client, funded, lamp)
    response = checkout(client, funded, address, payment_method="wallet")
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert (order["status"], order["wallet_amount"], order["total"]) == ("paid", "1500.00", "1500.00")
    assert wallet_of(client, funded) | {"currency": "KES"} == {
        "currency": "KES",
        "balance": "500.00",
        "held": "0.00",
        "in_withdrawal": "0.00",
    }
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order["id"]))
    assert (payment.provider, payment.status, payment.amount_paid) == ("wallet", "succeeded", Decimal("1500.00"))
    seller = db.session.get(Product, lamp.id).seller_id
    assert balances([chart.seller(seller, SellerBucket.PENDING), chart.CUSTOMER_FUNDS]) == {
        f"seller:{seller}:pending": Decimal("1250.00"),  # no commission rate here
        "customer-funds": Decimal("0.00"),
    }
    kinds = [line["kind"] for line in client.get(f"{WALLET}/transactions", headers=funded.headers).get_json()["items"]]
    assert kinds == ["adjustment", "wallet_hold", "payment"]


def test_a_wallet_that_holds_too_little_refuses_the_checkout_and_changes_nothing(client, customer, address, lamp):
    add_to_cart(client, customer, lamp)
    refused = checkout(client, customer, address, payment_method="wallet")
    assert assert_problem(refused, 409, "insufficient_wallet")["balance"] == "0.00"
    assert db.session.scalar(select(func.count(Order.id))) == 0
    assert db.session.get(Product, lamp.id, populate_existing=True).stock == 10
    assert client.get("/api/v1/cart", headers=customer.headers).get_json()["lines"]  # the cart is kept


def test_a_part_from_the_wallet_and_the_rest_by_mpesa(app, client, funded, address, lamp, sandbox):
    add_to_cart(client, funded, lamp)
    order = checkout(client, funded, address, payment_method="mpesa", wallet_amount="600.00").get_json()
    assert (order["status"], order["wallet_amount"]) == ("pending_payment", "600.00")
    assert (wallet_of(client, funded)["balance"], wallet_of(client, funded)["held"]) == ("1400.00", "600.00")
    pushed = client.post(
        "/api/v1/payments/mpesa/stk-push", json={"order_id": order["id"], "phone": "0708374149"}, headers=funded.headers
    )
    assert pushed.status_code == 202, pushed.get_json()
    assert pushed.get_json()["amount"] == "900.00"  # the rest
    assert deliver_pending(app) == [200]
    assert db.session.get(Order, order["id"], populate_existing=True).status == "paid"
    assert (wallet_of(client, funded)["balance"], wallet_of(client, funded)["held"]) == ("1400.00", "0.00")
    assert balances([chart.CUSTOMER_FUNDS, chart.cash("mpesa")]) == {
        "customer-funds": Decimal("0.00"),
        "cash:mpesa": Decimal("900.00"),
    }


def test_an_order_cancelled_unpaid_gives_the_part_back(client, funded, address, lamp):
    add_to_cart(client, funded, lamp)
    order = checkout(client, funded, address, payment_method="card", wallet_amount="700.00").get_json()
    assert wallet_of(client, funded)["held"] == "700.00"
    assert client.post(f"{ORDERS}/{order['id']}/cancel", json={}, headers=funded.headers).status_code == 200
    assert (wallet_of(client, funded)["balance"], wallet_of(client, funded)["held"]) == ("2000.00", "0.00")
    assert db.session.scalar(select(Payment.status).where(Payment.order_id == order["id"])) == "cancelled"


def test_an_order_paid_from_the_wallet_and_cancelled_is_refunded_into_it(client, funded, address, lamp):
    add_to_cart(client, funded, lamp)
    order = checkout(client, funded, address, payment_method="wallet").get_json()
    assert client.post(f"{ORDERS}/{order['id']}/cancel", json={}, headers=funded.headers).status_code == 200
    assert wallet_of(client, funded)["balance"] == "2000.00"
    seller = db.session.get(Product, lamp.id).seller_id
    assert balances([chart.seller(seller, SellerBucket.PENDING)])[f"seller:{seller}:pending"] == Decimal("0.00")
    payment = db.session.scalar(select(Payment).where(Payment.order_id == order["id"]))
    assert payment.status == "refunded" and [r.destination for r in payment.refunds] == ["wallet"]


def test_wallet_amounts_that_make_no_sense_are_refused(client, funded, address, lamp):
    add_to_cart(client, funded, lamp)
    whole = checkout(client, funded, address, payment_method="mpesa", wallet_amount="1500.00")
    assert "wallet_amount" in assert_problem(whole, 422, "validation_error")["errors"]
    other = checkout(client, funded, address, payment_method="wallet", wallet_amount="100.00")
    assert "wallet_amount" in assert_problem(other, 422, "validation_error")["errors"]
    assert balances([chart.wallet(funded.user.id, WalletBucket.HELD)])[f"wallet:{funded.user.id}:held"] == 0


def test_an_order_that_expires_unpaid_gives_the_part_back(app, client, funded, address, lamp):
    from datetime import timedelta

    import time_machine

    from app.common.types import utcnow
    from app.orders.services.orders import expire_unpaid

    add_to_cart(client, funded, lamp)
    checkout(client, funded, address, payment_method="paypal", wallet_amount="400.00")
    assert wallet_of(client, funded)["held"] == "400.00"
    later = utcnow() + timedelta(minutes=app.config["ORDER_PAYMENT_TIMEOUT_MINUTES"] + 1)
    with time_machine.travel(later, tick=False):
        assert expire_unpaid() == 1
    assert (wallet_of(client, funded)["balance"], wallet_of(client, funded)["held"]) == ("2000.00", "0.00")
