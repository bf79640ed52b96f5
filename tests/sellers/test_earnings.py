"""Sellers' money in the ledger: a paid order owes each seller its net (pending) and the shop its
commission and delivery fee; cancelling and refunding give back from the frozen amounts; the
return window releases pending to available. Every test ends with the books verified."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import select

from app.catalog.services.sellers import house_seller
from app.common.types import utcnow
from app.extensions import db
from app.ledger import chart
from app.ledger.chart import SellerBucket
from app.ledger.services import balances, positions, verify
from app.sellers.models import SellerOrder
from app.sellers.services.earnings import release_due
from tests.factories import ProductFactory
from tests.helpers import ORDERS
from tests.sellers.conftest import ask_return, deliver_parts, refund_return
from tests.sellers.test_part_cancellation import parts_by_seller, pay_by_card
from tests.sellers.test_seller_orders import MINE, owner_of, place

CASH = chart.cash("paystack")
SHOP = (CASH, chart.CUSTOMER_FUNDS, chart.COMMISSION, chart.DELIVERY_FEES, chart.HOUSE_SALES, chart.GOODWILL)


def books(*accounts: chart.Account) -> dict[str, Decimal]:
    return balances(list(accounts))


def owed_to(seller) -> dict[str, Decimal]:
    held = books(*(chart.seller(seller.id, bucket) for bucket in SellerBucket))
    return {code.rsplit(":", 1)[1]: amount for code, amount in held.items()}


@pytest.fixture(autouse=True)
def books_are_true():
    yield
    assert verify() == []


def test_a_paid_order_owes_each_seller_its_net_and_the_shop_its_commission_and_fee(paid):
    assert owed_to(paid["kikapu"]) == {"pending": Decimal("2100.00"), "available": 0, "in_payout": 0}
    assert owed_to(paid["hub"]) == {"pending": Decimal("2250.00"), "available": 0, "in_payout": 0}
    assert books(*SHOP) == {
        "cash:paystack": Decimal("5083.33"),
        "customer-funds": Decimal("0.00"),  # all of it owed onward
        "revenue:commission": Decimal("483.33"),
        "revenue:delivery": Decimal("250.00"),
        "revenue:sales": Decimal("0.00"),
        "expense:refunds": Decimal("0.00"),
    }
    part = parts_by_seller(paid["order"]["id"])[paid["kikapu"].id]
    assert positions(paid["order"]["id"], [chart.seller(paid["kikapu"].id, SellerBucket.PENDING)]) == {
        f"seller:{paid['kikapu'].id}:pending": Decimal("-2100.00")
    }
    assert part.reference.endswith("-1")


def test_a_paid_order_cancelled_gives_everything_back_and_the_refund_takes_it_out(client, customer, paid):
    response = client.post(f"{ORDERS}/{paid['order']['id']}/cancel", json={}, headers=customer.headers)
    assert response.status_code == 200, response.get_json()
    assert owed_to(paid["kikapu"])["pending"] == owed_to(paid["hub"])["pending"] == Decimal("0.00")
    assert books(*SHOP) == dict.fromkeys((a.code for a in SHOP), Decimal("0.00"))


def test_a_part_cancelled_gives_back_its_lines_and_the_others_stay_owed(client, paid):
    part = parts_by_seller(paid["order"]["id"])[paid["kikapu"].id]
    response = client.post(
        f"{MINE}/{part.id}/cancel", json={"reason": "Out of stock"}, headers=owner_of(paid["kikapu"]).headers
    )
    assert response.status_code == 200, response.get_json()
    assert owed_to(paid["kikapu"])["pending"] == Decimal("0.00")
    assert owed_to(paid["hub"])["pending"] == Decimal("2250.00")
    held = books(*SHOP)
    assert held["cash:paystack"] == Decimal("2750.00")  # 5,083.33 less Kikapu's 2,333.33 refunded
    assert held["revenue:commission"] == Decimal("250.00")
    assert held["customer-funds"] == held["expense:refunds"] == Decimal("0.00")


def test_the_return_window_releases_pending_earnings_once(app, client, admin, paid):
    deliver_parts(client, admin, paid)
    assert release_due() == 0  # the window is still open
    later = utcnow() + timedelta(days=app.config["RETURN_WINDOW_DAYS"], minutes=1)
    with time_machine.travel(later, tick=False):
        assert release_due() == 2
        assert release_due() == 0  # safe to run twice
    assert owed_to(paid["kikapu"]) == {"pending": Decimal("0.00"), "available": Decimal("2100.00"), "in_payout": 0}
    assert owed_to(paid["hub"])["available"] == Decimal("2250.00")
    released = db.session.scalars(select(SellerOrder.released_at)).all()
    assert all(released)


def test_an_open_return_holds_back_the_release_of_its_seller_only(app, client, admin, customer, paid):
    deliver_parts(client, admin, paid)
    order = client.get(f"{ORDERS}/{paid['order']['id']}", headers=customer.headers).get_json()
    basket = next(line for line in order["lines"] if line["product_id"] == paid["basket"].id)
    asked = client.post(
        "/api/v1/returns",
        json={"order_id": order["id"], "lines": [{"order_line_id": basket["id"], "quantity": 1}], "reason": "damaged"},
        headers=customer.headers,
    )
    assert asked.status_code == 201, asked.get_json()
    with time_machine.travel(utcnow() + timedelta(days=app.config["RETURN_WINDOW_DAYS"], minutes=1), tick=False):
        assert release_due() == 1
    assert owed_to(paid["kikapu"])["pending"] == Decimal("2100.00")  # held by the open return
    assert owed_to(paid["hub"])["available"] == Decimal("2250.00")


def test_the_house_sellers_part_is_the_shops_own_sales(client, customer, address, zone, paystack_api):  # noqa: F811
    house = house_seller()
    lamp = ProductFactory(seller=house, price=Decimal("1200.00"))
    order = place(client, customer, address, (lamp, 1), method="card")
    pay_by_card(client, customer, order, paystack_api)
    assert books(chart.HOUSE_SALES, chart.COMMISSION, chart.DELIVERY_FEES, CASH) == {
        "revenue:sales": Decimal("1200.00"),
        "revenue:commission": Decimal("0.00"),
        "revenue:delivery": Decimal("250.00"),
        "cash:paystack": Decimal("1450.00"),
    }
    assert owed_to(house)["pending"] == Decimal("0.00")


def _return(client, admin, customer, paid, product, quantity: int, amount: str | None = None) -> None:
    refund_return(client, admin, ask_return(client, customer, paid, product, quantity), amount)


def test_a_return_refunded_after_the_release_comes_out_of_the_available_balance(client, admin, customer, paid):
    from app.sellers.services.earnings import release

    deliver_parts(client, admin, paid)
    made = ask_return(client, customer, paid, paid["basket"], 2)
    # Released all the same (asked at the window's last moment, as the release ran):
    assert release(parts_by_seller(paid["order"]["id"])[paid["kikapu"].id])
    refund_return(client, admin, made)
    # Two baskets: 2,000.00 refunded, of which 200.00 was commission; the seller gives back 1,800.00.
    assert owed_to(paid["kikapu"]) == {"pending": Decimal("0.00"), "available": Decimal("300.00"), "in_payout": 0}
    held = books(*SHOP)
    assert held["revenue:commission"] == Decimal("283.33")
    assert held["cash:paystack"] == Decimal("3083.33")
    assert held["customer-funds"] == held["expense:refunds"] == Decimal("0.00")


def test_a_return_refunded_in_part_gives_back_in_proportion_from_pending(client, admin, customer, paid):
    deliver_parts(client, admin, paid)
    _return(client, admin, customer, paid, paid["basket"], 2, amount="1000.00")  # half of their worth
    assert owed_to(paid["kikapu"])["pending"] == Decimal("1200.00")  # 2,100.00 less half of 1,800.00
    held = books(*SHOP)
    assert held["revenue:commission"] == Decimal("383.33")  # less half of 200.00
    assert held["cash:paystack"] == Decimal("4083.33")
    assert held["customer-funds"] == held["expense:refunds"] == Decimal("0.00")


def test_a_refund_beyond_what_the_order_owes_back_is_the_shops_cost_and_a_failed_one_is_undone(client, admin, paid):
    from app.payments.models import Payment, Refund
    from app.payments.services.accounting import refund_moved

    payment = db.session.scalar(select(Payment))
    response = client.post(
        f"/api/v1/payments/{payment.id}/refunds",
        json={"amount": "100.00", "reason": "Late delivery"},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.get_json()
    assert books(CASH, chart.GOODWILL, chart.CUSTOMER_FUNDS) == {
        "cash:paystack": Decimal("4983.33"),
        "expense:refunds": Decimal("100.00"),  # goodwill: nothing of the order was owed back
        "customer-funds": Decimal("0.00"),
    }
    assert owed_to(paid["kikapu"])["pending"] == Decimal("2100.00")  # sellers keep what they earned
    record = db.session.get(Refund, response.get_json()["id"])
    record.status = "failed"  # Paystack said so later
    refund_moved(record, payment)
    refund_moved(record, payment)  # told twice
    assert books(CASH, chart.GOODWILL) == {"cash:paystack": Decimal("5083.33"), "expense:refunds": Decimal("0.00")}


def test_cash_on_delivery_is_money_in_when_an_admin_confirms_it(client, admin, customer, address, two_sellers):
    order = place(client, customer, address, (two_sellers["radio"], 1), method="cash")
    assert books(chart.cash("cash"), chart.seller(two_sellers["hub"].id, SellerBucket.PENDING)) == {
        "cash:cash": Decimal("0.00"),
        f"seller:{two_sellers['hub'].id}:pending": Decimal("0.00"),  # not paid yet: nothing owed
    }
    confirmed = client.post(
        "/api/v1/payments/cash/confirm", json={"order_id": order["id"], "amount": order["total"]}, headers=admin.headers
    )
    assert confirmed.status_code == 201, confirmed.get_json()
    assert books(chart.cash("cash"), chart.CUSTOMER_FUNDS, chart.DELIVERY_FEES) == {
        "cash:cash": Decimal("2750.00"),
        "customer-funds": Decimal("0.00"),
        "revenue:delivery": Decimal("250.00"),
    }
    assert owed_to(two_sellers["hub"])["pending"] == Decimal("2500.00")  # no commission rate set


def test_a_return_refunded_into_the_wallet_as_the_customer_chose(client, admin, customer, paid):
    deliver_parts(client, admin, paid)
    order = client.get(f"{ORDERS}/{paid['order']['id']}", headers=customer.headers).get_json()
    basket = next(line for line in order["lines"] if line["product_id"] == paid["basket"].id)
    asked = client.post(
        "/api/v1/returns",
        json={
            "order_id": order["id"],
            "lines": [{"order_line_id": basket["id"], "quantity": 1}],
            "reason": "damaged",
            "refund_to": "wallet",
        },
        headers=customer.headers,
    )
    assert asked.status_code == 201 and asked.get_json()["refund_to"] == "wallet"
    refund_return(client, admin, asked.get_json()["id"])
    assert client.get("/api/v1/wallet", headers=customer.headers).get_json()["balance"] == "1000.00"
    held = books(*SHOP)
    assert held["cash:paystack"] == Decimal("5083.33")  # nothing left Paystack
    assert held["customer-funds"] == held["expense:refunds"] == Decimal("0.00")
    assert owed_to(paid["kikapu"])["pending"] == Decimal("1200.00")  # 2,100.00 less the basket's 900.00
