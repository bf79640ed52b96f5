"""A seller cancels its part of an order: restocked once, refunded (the lines only), the customer
told, the other parts going on; the last part cancels the order."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.catalog.models import Product
from app.extensions import db
from app.notifications.models import Notification
from app.orders.models import Order, OrderLine
from app.payments.models import Payment, Refund
from app.sellers.models import SellerOrder, SellerOrderEvent
from tests.helpers import ORDERS, assert_problem, emails_to
from tests.payments.conftest import paystack_api  # noqa: F401 (a fixture)
from tests.payments.test_paystack import API, WEBHOOK, _signed, _start, _transaction
from tests.sellers.test_seller_orders import MINE, owner_of, place

REFUNDED = {"status": True, "message": "Refund has been queued for processing", "data": {"id": 3018284}}


def stock(product) -> int:
    return db.session.get(Product, product.id, populate_existing=True).stock


def parts_by_seller(order_id: int) -> dict[int, SellerOrder]:
    parts = db.session.scalars(
        select(SellerOrder).where(SellerOrder.order_id == order_id).execution_options(populate_existing=True)
    )
    return {part.seller_id: part for part in parts}


def pay_by_card(client, customer, order, api) -> str:
    started = _start(client, customer, order, api)
    cents = int(Decimal(order["total"]) * 100)
    raw, headers = _signed({"event": "charge.success", "data": _transaction(started["reference"], cents)})
    assert client.post(WEBHOOK, data=raw, headers=headers).status_code == 200
    assert db.session.get(Order, order["id"], populate_existing=True).status == "paid"
    return started["reference"]


@pytest.fixture
def card_paid(client, customer, address, two_sellers, paystack_api):  # noqa: F811
    """Two baskets and a mat from Kikapu (2,333.33), a radio from Radio Hub (2,500.00), paid by
    card; Paystack answers refunds."""
    s = two_sellers
    order = place(client, customer, address, (s["basket"], 2), (s["mat"], 1), (s["radio"], 1), method="card")
    reference = pay_by_card(client, customer, order, paystack_api)
    paystack_api.post(f"{API}/refund", json=REFUNDED)
    return {**s, "order": order, "reference": reference, "api": paystack_api}


def refund_requests(api) -> list[dict]:
    return [json.loads(call.request.body) for call in api.calls if call.request.url.endswith("/refund")]


def test_a_seller_cancels_its_part_the_lines_are_restocked_refunded_and_the_rest_goes_on(client, customer, card_paid):
    s, order = card_paid, card_paid["order"]
    kikapu, hub = owner_of(s["kikapu"]), owner_of(s["hub"])
    before = {"basket": stock(s["basket"]), "mat": stock(s["mat"]), "radio": stock(s["radio"])}
    parts = parts_by_seller(order["id"])
    mine, theirs = parts[s["kikapu"].id].id, parts[s["hub"].id].id

    response = client.post(f"{MINE}/{mine}/cancel", json={"reason": "Out of stock"}, headers=kikapu.headers)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "cancelled"
    assert response.get_json()["history"][-1]["note"] == "Out of stock"
    assert (stock(s["basket"]), stock(s["mat"]), stock(s["radio"])) == (
        before["basket"] + 2,
        before["mat"] + 1,
        before["radio"],
    )
    # Paystack is asked for Kikapu's lines only, in cents: the delivery fee stays.
    assert refund_requests(s["api"]) == [{"transaction": s["reference"], "amount": 233333}]
    [refund] = db.session.scalars(select(Refund)).all()
    assert refund.amount == Decimal("2333.33") and refund.status == "pending"
    assert db.session.scalar(select(Payment.status)) == "partially_refunded"

    seen = client.get(f"{ORDERS}/{order['id']}", headers=customer.headers).get_json()
    assert seen["status"] == "paid"
    assert [line["cancelled_at"] is not None for line in seen["lines"]] == [True, True, False]
    told = db.session.scalars(select(Notification).where(Notification.user_id == customer.user.id)).all()
    assert told[-1].title == "Part of your order was cancelled" and "Out of stock" in told[-1].body
    assert "KES 2333.33 is being refunded" in told[-1].body
    assert any("Part of your order" in email.subject for email in emails_to(customer.user.email))

    # Radio Hub goes on; once its part (the only live one) ships, the order has shipped.
    assert parts_by_seller(order["id"])[s["hub"].id].status == "to_fulfil"
    client.post(f"{MINE}/{theirs}/pack", headers=hub.headers)
    assert client.post(f"{MINE}/{theirs}/ship", headers=hub.headers).status_code == 200
    assert db.session.get(Order, order["id"], populate_existing=True).status == "shipped"
    again = client.post(f"{MINE}/{mine}/cancel", json={"reason": "Out of stock"}, headers=kikapu.headers)
    assert_problem(again, 409, "invalid_transition")
    assert stock(s["basket"]) == before["basket"] + 2  # once


def test_the_last_live_part_cancelled_cancels_the_order_and_refunds_the_rest(client, customer, card_paid):
    s, order = card_paid, card_paid["order"]
    parts = parts_by_seller(order["id"])
    radios = stock(s["radio"])
    client.post(
        f"{MINE}/{parts[s['kikapu'].id].id}/cancel",
        json={"reason": "Out of stock"},
        headers=owner_of(s["kikapu"]).headers,
    )
    last = client.post(
        f"{MINE}/{parts[s['hub'].id].id}/cancel",
        json={"reason": "Damaged in store"},
        headers=owner_of(s["hub"]).headers,
    )
    assert last.status_code == 200
    cancelled = db.session.get(Order, order["id"], populate_existing=True)
    assert cancelled.status == "cancelled" and stock(s["radio"]) == radios + 1
    event = cancelled.events[-1]
    assert (event.to_status, event.actor_kind, event.note) == ("cancelled", "seller", "Damaged in store")
    # The lines first, then the rest with the delivery fee: the whole payment, never more.
    amounts = [r.amount for r in db.session.scalars(select(Refund).order_by(Refund.id))]
    assert amounts == [Decimal("2333.33"), Decimal(order["total"]) - Decimal("2333.33")]
    assert db.session.scalar(select(Payment.status)) == "refunded"


def test_a_customer_cancelling_after_a_seller_restocks_and_refunds_only_what_is_left(client, customer, card_paid):
    s, order = card_paid, card_paid["order"]
    parts = parts_by_seller(order["id"])
    baskets, radios = stock(s["basket"]), stock(s["radio"])
    client.post(
        f"{MINE}/{parts[s['kikapu'].id].id}/cancel",
        json={"reason": "Out of stock"},
        headers=owner_of(s["kikapu"]).headers,
    )
    assert client.post(f"{ORDERS}/{order['id']}/cancel", json={}, headers=customer.headers).status_code == 200
    assert (stock(s["basket"]), stock(s["radio"])) == (baskets + 2, radios + 1)
    assert sum(r.amount for r in db.session.scalars(select(Refund))) == Decimal(order["total"])
    assert {p.status for p in parts_by_seller(order["id"]).values()} == {"cancelled"}


def test_a_cash_order_owes_less_once_a_part_is_cancelled(client, customer, admin, address, two_sellers):
    s = two_sellers
    order = place(client, customer, address, (s["basket"], 1), (s["radio"], 1), method="cash")
    part = parts_by_seller(order["id"])[s["hub"].id]
    cancelled = client.post(
        f"{MINE}/{part.id}/cancel", json={"reason": "Out of stock"}, headers=owner_of(s["hub"]).headers
    )
    assert cancelled.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Refund)) == 0  # nothing was paid
    told = db.session.scalars(select(Notification.body).where(Notification.user_id == customer.user.id)).all()
    assert "KES 2500.00 is not due" in told[-1]
    due = Decimal(order["total"]) - Decimal("2500.00")
    confirm = "/api/v1/payments/cash/confirm"
    whole = client.post(confirm, json={"order_id": order["id"], "amount": order["total"]}, headers=admin.headers)
    assert assert_problem(whole, 422, "validation_error")["errors"]["amount"] == [
        f"The amount due for this order is KES {due}."
    ]
    paid = client.post(confirm, json={"order_id": order["id"], "amount": str(due)}, headers=admin.headers)
    assert paid.status_code == 201, paid.get_json()


def test_what_a_seller_cannot_cancel(client, customer, address, admin, two_sellers):
    s = two_sellers
    order = place(client, customer, address, (s["basket"], 1), (s["radio"], 1))  # M-Pesa, unpaid
    kikapu = owner_of(s["kikapu"])
    part = parts_by_seller(order["id"])[s["kikapu"].id]
    unpaid = client.post(f"{MINE}/{part.id}/cancel", json={"reason": "Out of stock"}, headers=kikapu.headers)
    assert assert_problem(unpaid, 409, "invalid_transition")["allowed"] == []
    missing = client.post(f"{MINE}/{part.id}/cancel", json={}, headers=kikapu.headers)
    assert assert_problem(missing, 422, "validation_error")["errors"].keys() == {"reason"}
    as_customer = client.post(f"{MINE}/{part.id}/cancel", json={"reason": "x" * 5}, headers=customer.headers)
    assert_problem(as_customer, 403, "forbidden")
    assert db.session.scalar(select(func.count()).where(OrderLine.cancelled_at.is_not(None))) == 0


def test_staff_cancel_a_part_and_its_seller_is_told(client, customer, address, admin, two_sellers):
    s = two_sellers
    order = place(client, customer, address, (s["basket"], 1), (s["radio"], 1), method="cash")
    part = parts_by_seller(order["id"])[s["kikapu"].id]
    by_staff = client.post(
        f"/api/v1/seller-orders/{part.id}/cancel", json={"reason": "Seller unreachable"}, headers=admin.headers
    )
    assert by_staff.status_code == 200 and by_staff.get_json()["status"] == "cancelled"
    kikapu = owner_of(s["kikapu"]).user
    titles = db.session.scalars(select(Notification.title).where(Notification.user_id == kikapu.id)).all()
    assert titles[-1] == "An order was cancelled"
    event = db.session.scalars(select(SellerOrderEvent).where(SellerOrderEvent.seller_order_id == part.id)).all()[-1]
    assert (event.actor_kind, event.note) == ("admin", "Seller unreachable")
    seller_route = client.post(
        f"/api/v1/seller-orders/{part.id}/cancel", json={"reason": "Mine"}, headers=owner_of(s["hub"]).headers
    )
    assert_problem(seller_route, 403, "forbidden")


def test_a_cancelled_line_was_never_delivered_so_it_cannot_be_returned(client, customer, admin, address, two_sellers):
    s = two_sellers
    order = place(client, customer, address, (s["basket"], 1), (s["radio"], 1), method="cash")
    parts = parts_by_seller(order["id"])
    hub, kikapu = owner_of(s["hub"]), owner_of(s["kikapu"])
    client.post(f"{MINE}/{parts[s['hub'].id].id}/cancel", json={"reason": "Out of stock"}, headers=hub.headers)
    mine = parts[s["kikapu"].id].id
    client.post(f"{MINE}/{mine}/pack", headers=kikapu.headers)
    client.post(f"{MINE}/{mine}/ship", headers=kikapu.headers)
    assert client.post(f"/api/v1/seller-orders/{mine}/deliver", headers=admin.headers).status_code == 200
    assert db.session.get(Order, order["id"], populate_existing=True).status == "delivered"
    lines = {line["product_id"]: line["id"] for line in order["lines"]}
    asked = {"order_id": order["id"], "reason": "changed_mind"}
    radio = client.post(
        "/api/v1/returns",
        json={**asked, "lines": [{"order_line_id": lines[s["radio"].id], "quantity": 1}]},
        headers=customer.headers,
    )
    errors = assert_problem(radio, 422, "validation_error")["errors"]
    assert errors == {f"lines.{lines[s['radio'].id]}": ["Its seller cancelled it: it was never delivered."]}
    basket = client.post(
        "/api/v1/returns",
        json={**asked, "lines": [{"order_line_id": lines[s["basket"].id], "quantity": 1}]},
        headers=customer.headers,
    )
    assert basket.status_code == 201, basket.get_json()


def test_a_part_cancelled_while_paystack_is_down_is_still_cancelled_and_its_refund_waits(client, customer, card_paid):
    import responses

    s, order = card_paid, card_paid["order"]
    s["api"].replace(responses.POST, f"{API}/refund", status=503, body="down")
    part = parts_by_seller(order["id"])[s["kikapu"].id]
    cancelled = client.post(
        f"{MINE}/{part.id}/cancel", json={"reason": "Out of stock"}, headers=owner_of(s["kikapu"]).headers
    )
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    [refund] = db.session.scalars(select(Refund)).all()
    assert refund.amount == Decimal("2333.33") and refund.status == "requested"  # sent again by the task's retry
    assert "did not answer" in refund.failure_reason
    assert db.session.scalar(select(Payment.status)) == "succeeded"
