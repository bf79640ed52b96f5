"""Fixtures for the sellers' tests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.sellers.models import CommissionRate
from tests.factories import CategoryFactory, ProductFactory, SellerFactory
from tests.helpers import ORDERS
from tests.payments.conftest import paystack_api  # noqa: F401 (a fixture)
from tests.sellers.test_part_cancellation import REFUNDED, parts_by_seller, pay_by_card
from tests.sellers.test_seller_orders import MINE, owner_of, place


@pytest.fixture
def two_sellers(client, customer, address, zone):
    """An order of three lines from two sellers: Kikapu (two products) and Radio Hub (one)."""
    phones, radios = CategoryFactory(name="Phones"), CategoryFactory(name="Radios")
    kikapu, hub = SellerFactory(name="Kikapu"), SellerFactory(name="Radio Hub")
    basket = ProductFactory(seller=kikapu, price=Decimal("1000.00"), category=phones)
    mat = ProductFactory(seller=kikapu, price=Decimal("333.33"), category=phones)
    radio = ProductFactory(seller=hub, price=Decimal("2500.00"), category=radios)
    return {"kikapu": kikapu, "hub": hub, "basket": basket, "mat": mat, "radio": radio, "phones": phones}


@pytest.fixture
def paid(client, customer, address, two_sellers, paystack_api):  # noqa: F811 (the imported fixture)
    """At a default 10 % commission: two baskets and a mat from Kikapu (2,333.33, commission
    233.33), a radio from Radio Hub (2,500.00, commission 250.00), delivery 250.00: KES
    5,083.33 paid by card; Paystack answers refunds."""
    db.session.add(CommissionRate(scope="default", target_id=0, kind="percentage", rate_bps=1000))
    db.session.flush()
    s = two_sellers
    order = place(client, customer, address, (s["basket"], 2), (s["mat"], 1), (s["radio"], 1), method="card")
    assert order["total"] == "5083.33"
    pay_by_card(client, customer, order, paystack_api)
    paystack_api.post("https://api.paystack.co/refund", json=REFUNDED)
    return {**s, "order": order}


def deliver_parts(client, admin, paid) -> None:
    """Each seller packs and ships its part; staff mark them delivered."""
    for seller in (paid["kikapu"], paid["hub"]):
        part = parts_by_seller(paid["order"]["id"])[seller.id]
        for verb in ("pack", "ship"):
            response = client.post(f"{MINE}/{part.id}/{verb}", json={}, headers=owner_of(seller).headers)
            assert response.status_code == 200, (verb, response.get_json())
        response = client.post(f"/api/v1/seller-orders/{part.id}/deliver", json={}, headers=admin.headers)
        assert response.status_code == 200, response.get_json()


def ask_return(client, customer, paid, product, quantity: int) -> int:
    order = client.get(f"{ORDERS}/{paid['order']['id']}", headers=customer.headers).get_json()
    line = next(line for line in order["lines"] if line["product_id"] == product.id)
    asked = client.post(
        "/api/v1/returns",
        json={
            "order_id": order["id"],
            "lines": [{"order_line_id": line["id"], "quantity": quantity}],
            "reason": "damaged",
        },
        headers=customer.headers,
    )
    assert asked.status_code == 201, asked.get_json()
    return asked.get_json()["id"]


def refund_return(client, admin, made: int, amount: str | None = None) -> None:
    for verb, body in (
        ("approve", {}),
        ("receive", {"restock": True}),
        ("refund", {} if amount is None else {"amount": amount}),
    ):
        response = client.post(f"/api/v1/returns/{made}/{verb}", json=body, headers=admin.headers)
        assert response.status_code == 200, (verb, response.get_json())
