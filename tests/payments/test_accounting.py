"""Payments in the ledger: a converted (PayPal) payment's partial refunds give back what was owed
in KES, the cent they cannot pay is the books' rounding, and a payment refunded whole leaves
nothing behind."""

from __future__ import annotations

from decimal import Decimal

from app.extensions import db
from app.ledger import chart
from app.ledger.services import balances, credit, debit, post, verify
from app.payments.gateways import Outcome
from app.payments.models import Payment, Refund
from app.payments.services.refunds import refund_cancelled_lines
from app.payments.services.settlement import settle
from tests.sellers.conftest import two_sellers  # noqa: F401 (a fixture)
from tests.sellers.test_seller_orders import place

RATE = Decimal("129.50")


def give_back(order_id: int, amount: Decimal, key: str) -> None:
    post(
        key, "cancellation", [debit(chart.COMMISSION, amount), credit(chart.CUSTOMER_FUNDS, amount)], order_id=order_id
    )


def test_a_converted_payment_refunded_in_parts_leaves_no_cent_behind(client, customer, address, two_sellers):  # noqa: F811
    order = place(client, customer, address, (two_sellers["mat"], 1), (two_sellers["radio"], 1), method="paypal")
    total = Decimal(order["total"])  # 333.33 + 2,500.00 + 250.00 delivery = 3,083.33
    usd = (total / RATE).quantize(Decimal("0.01"))
    payment = Payment(
        order_id=order["id"],
        user_id=customer.user.id,
        provider="paypal",
        amount=usd,
        currency="USD",
        order_amount=total,
        exchange_rate=RATE,
        provider_reference="5O190127TN364715T",
    )
    db.session.add(payment)
    db.session.flush()
    settle(payment, Outcome("5O190127TN364715T", "succeeded", usd, "3C679366HH908993F"))
    cash, funds, rounding = chart.cash("paypal"), chart.CUSTOMER_FUNDS, chart.ROUNDING
    brought = (usd * RATE).quantize(Decimal("0.01"))  # USD 23.81 is KES 3,083.40: 0.07 more than the order
    assert balances([cash, funds, rounding]) == {
        "cash:paypal": brought,
        "customer-funds": Decimal("0.00"),  # the order's amount, owed onward (the sale)
        "expense:rounding": Decimal("-0.07"),  # the cent PayPal rounds up: the books' gain
    }

    # KES 333.33 owed back (the sellers' side gives it back to the customer's funds when a line is
    # cancelled: here by hand), refunded: USD 2.57 leaves, worth KES 332.82.
    give_back(order["id"], Decimal("333.33"), "test:owed")
    owed, [refund_id] = refund_cancelled_lines(order["id"], Decimal("333.33"), "A line cancelled")
    record = db.session.get(Refund, refund_id)
    assert owed and (record.amount, record.store_amount) == (Decimal("2.57"), Decimal("333.33"))
    assert balances([cash, funds, rounding]) == {
        "cash:paypal": brought - Decimal("332.82"),
        "customer-funds": Decimal("0.00"),  # what was owed is given back whole
        "expense:rounding": Decimal("-0.58"),  # and the cent PayPal cannot pay back: 0.51 more
    }
    # The rest, whole: exactly what is left leaves, and the rounding comes to nothing.
    give_back(order["id"], total - Decimal("333.33"), "test:rest")
    owed, [rest_id] = refund_cancelled_lines(order["id"], total - Decimal("333.33"), "The rest")
    assert db.session.get(Refund, rest_id).amount == usd - Decimal("2.57")
    assert balances([cash, funds, rounding]) == {
        "cash:paypal": Decimal("0.00"),
        "customer-funds": Decimal("0.00"),
        "expense:rounding": Decimal("0.00"),
    }
    assert verify() == []
