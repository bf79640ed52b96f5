"""Seller orders: an order split per seller at checkout, commission frozen per line, following the
order, read by their seller only; the admins' commission rates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.orders.models import Order
from app.orders.services.orders import mark_paid
from app.sellers.models import CommissionLine, CommissionRate, SellerOrder, SellerOrderEvent
from app.sellers.services.commission import amount_of
from tests.conftest import Actor
from tests.factories import store_of
from tests.helpers import add_to_cart, assert_problem, checkout

RATES = "/api/v1/commission-rates"
MINE = "/api/v1/seller/orders"


def rate(**fields) -> CommissionRate:
    made = CommissionRate(**{"target_id": 0, **fields})
    db.session.add(made)
    db.session.flush()
    return made


@pytest.mark.parametrize(
    "fields,quantity,line_total,expected",
    [
        ({"kind": "percentage", "rate_bps": 1250}, 1, "999.99", "125.00"),  # 124.99875, half up
        ({"kind": "percentage", "rate_bps": 1000}, 3, "0.05", "0.01"),  # 0.005 rounds half up
        ({"kind": "fixed", "amount": Decimal("20.00")}, 3, "900.00", "60.00"),  # per unit
        ({"kind": "percentage", "rate_bps": 500, "min_amount": Decimal("50.00")}, 1, "100.00", "50.00"),
        ({"kind": "percentage", "rate_bps": 5000, "max_amount": Decimal("300.00")}, 1, "1000.00", "300.00"),
        ({"kind": "fixed", "amount": Decimal("500.00")}, 1, "100.00", "100.00"),  # never more than the line
        (None, 2, "100.00", "0.00"),
    ],
)
def test_amounts_are_exact(fields, quantity, line_total, expected):
    made = CommissionRate(scope="default", target_id=0, **fields) if fields else None
    assert amount_of(made, quantity, Decimal(line_total)) == Decimal(expected)


def place(client, customer, address, *products, method="mpesa"):
    for product, quantity in products:
        add_to_cart(client, customer, product, quantity)
    response = checkout(client, customer, address, payment_method=method)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_an_order_is_split_per_seller_with_the_most_specific_rate_frozen(client, customer, address, two_sellers):
    s = two_sellers
    rate(scope="default", kind="percentage", rate_bps=1000)  # 10 %
    rate(scope="seller", target_id=s["hub"].id, kind="percentage", rate_bps=800)  # 8 % for Radio Hub
    rate(scope="category", target_id=s["phones"].id, kind="percentage", rate_bps=1500)  # 15 % for phones
    rate(scope="product", target_id=s["mat"].id, kind="fixed", amount=Decimal("20.00"))  # 20 a mat
    order = place(client, customer, address, (s["basket"], 2), (s["mat"], 3), (s["radio"], 1))
    parts = db.session.scalars(select(SellerOrder).order_by(SellerOrder.reference)).all()
    assert [(p.reference, p.seller_id, p.status) for p in parts] == [
        (f"{order['reference']}-1", s["kikapu"].id, "awaiting_payment"),
        (f"{order['reference']}-2", s["hub"].id, "awaiting_payment"),
    ]
    kikapu, hub = parts
    # Kikapu: 2 baskets at 15 % (the category's) = 300.00; 3 mats at 20 each (the product's) = 60.00.
    assert (kikapu.subtotal, kikapu.commission, kikapu.net) == (
        Decimal("2999.99"),
        Decimal("360.00"),
        Decimal("2639.99"),
    )
    assert (kikapu.units, parts[1].units) == (5, 1)  # kept for the dashboard
    # Radio Hub: 8 % (the seller's) of 2,500.00.
    assert (hub.subtotal, hub.commission, hub.net) == (Decimal("2500.00"), Decimal("200.00"), Decimal("2300.00"))
    scopes = sorted((line.scope, line.amount) for line in db.session.scalars(select(CommissionLine)))
    assert scopes == [("category", Decimal("300.00")), ("product", Decimal("60.00")), ("seller", Decimal("200.00"))]
    assert Decimal(order["total"]) == Decimal("5499.99")  # commission is never part of what the buyer pays

    # A rate changed afterwards changes nothing frozen.
    db.session.execute(CommissionRate.__table__.update().values(rate_bps=9000).where(CommissionRate.scope == "seller"))
    db.session.flush()
    db.session.refresh(hub)
    assert hub.commission == Decimal("200.00")


def test_without_any_rate_the_platform_keeps_nothing(client, customer, address, two_sellers):
    place(client, customer, address, (two_sellers["radio"], 1))
    [part] = db.session.scalars(select(SellerOrder)).all()
    assert (part.commission, part.net) == (Decimal("0.00"), part.subtotal)


def test_seller_orders_follow_their_order(client, customer, address, admin, two_sellers):
    order = place(client, customer, address, (two_sellers["basket"], 1), (two_sellers["radio"], 1))
    assert mark_paid(order["id"], "test")
    db.session.commit()
    assert {p.status for p in db.session.scalars(select(SellerOrder))} == {"to_fulfil"}
    for status in ("processing", "shipped", "out_for_delivery", "delivered"):
        moved = client.patch(f"/api/v1/orders/{order['id']}/status", json={"status": status}, headers=admin.headers)
        assert moved.status_code == 200, moved.get_json()
    parts = db.session.scalars(select(SellerOrder)).all()
    assert {p.status for p in parts} == {"delivered"}
    steps = (
        db.session.execute(
            select(SellerOrderEvent.to_status)
            .where(SellerOrderEvent.seller_order_id == parts[0].id)
            .order_by(SellerOrderEvent.id)
        )
        .scalars()
        .all()
    )
    assert steps == ["awaiting_payment", "to_fulfil", "shipped", "delivered"]


def test_cash_parts_are_to_fulfil_at_once_and_a_cancellation_cancels_them(client, customer, address, two_sellers):
    order = place(client, customer, address, (two_sellers["basket"], 1), method="cash")
    [part] = db.session.scalars(select(SellerOrder)).all()
    assert part.status == "to_fulfil"
    client.post(f"/api/v1/orders/{order['id']}/cancel", headers=customer.headers)
    db.session.refresh(part)
    assert part.status == "cancelled"
    assert db.session.get(Order, order["id"]).status == "cancelled"
    seen = client.get(f"{MINE}/{part.id}", headers=owner_of(two_sellers["kikapu"]).headers).get_json()
    assert (seen["history"][-1]["actor_kind"], seen["history"][-1]["to_status"]) == ("customer", "cancelled")


def test_a_seller_reads_their_own_part_only_and_of_the_buyer_what_delivery_needs(
    client, customer, address, two_sellers
):
    order = place(client, customer, address, (two_sellers["basket"], 2), (two_sellers["radio"], 1))
    owner = Actor(db.session.get(type(customer.user), two_sellers["kikapu"].owner_id))
    page = client.get(MINE, headers=owner.headers).get_json()
    [mine] = page["items"]
    assert mine["reference"] == f"{order['reference']}-1" and mine["order_reference"] == order["reference"]
    assert [(line["name"], line["quantity"]) for line in mine["lines"]] == [(two_sellers["basket"].name, 2)]
    assert mine["deliver_to"] == {
        "recipient": address.recipient,
        "phone": address.phone,
        "county": "Nairobi",
        "town": "Nairobi",
    }
    assert customer.user.email not in str(mine)
    assert client.get(f"{MINE}/{mine['id']}", headers=owner.headers).get_json()["history"][0]["to_status"] == (
        "awaiting_payment"
    )
    theirs = db.session.scalar(select(SellerOrder.id).where(SellerOrder.seller_id == two_sellers["hub"].id))
    assert_problem(client.get(f"{MINE}/{theirs}", headers=owner.headers), 404, "seller_order_not_found")
    assert client.get(f"{MINE}?status=to_fulfil", headers=owner.headers).get_json()["items"] == []
    assert len(client.get(f"{MINE}?reference={order['reference']}", headers=owner.headers).get_json()["items"]) == 1


def test_admins_set_rates_one_per_target(client, admin, customer, supplier):
    store = store_of(supplier.user)
    made = client.post(
        RATES,
        json={"scope": "seller", "target_id": store.id, "kind": "percentage", "rate_bps": 1200},
        headers=admin.headers,
    )
    assert made.status_code == 201, made.get_json()
    again = client.post(
        RATES, json={"scope": "seller", "target_id": store.id, "kind": "fixed", "amount": "5.00"}, headers=admin.headers
    )
    assert_problem(again, 409, "commission_rate_exists")
    no_bps = client.post(RATES, json={"scope": "default", "kind": "percentage"}, headers=admin.headers)
    assert_problem(no_bps, 422, "validation_error")
    nowhere = client.post(
        RATES,
        json={"scope": "product", "target_id": 999999, "kind": "percentage", "rate_bps": 1},
        headers=admin.headers,
    )
    assert_problem(nowhere, 422, "validation_error")
    rate_id = made.get_json()["id"]
    changed = client.patch(f"{RATES}/{rate_id}", json={"kind": "fixed", "amount": "15.00"}, headers=admin.headers)
    assert changed.get_json()["rate_bps"] is None and changed.get_json()["amount"] == "15.00"
    assert client.delete(f"{RATES}/{rate_id}", headers=admin.headers).status_code == 204
    assert_problem(client.get(RATES, headers=customer.headers), 403, "forbidden")


def owner_of(seller) -> Actor:
    from app.auth.models import User

    return Actor(db.session.get(User, seller.owner_id))


def test_sellers_pack_and_ship_their_parts_staff_deliver_and_the_order_follows(
    client, customer, address, admin, two_sellers
):
    order = place(client, customer, address, (two_sellers["basket"], 1), (two_sellers["radio"], 1))
    kikapu, hub = owner_of(two_sellers["kikapu"]), owner_of(two_sellers["hub"])
    parts = {p.seller_id: p.id for p in db.session.scalars(select(SellerOrder))}
    mine, theirs = parts[two_sellers["kikapu"].id], parts[two_sellers["hub"].id]
    assert_problem(client.post(f"{MINE}/{mine}/pack", headers=kikapu.headers), 409, "invalid_transition")  # unpaid
    assert mark_paid(order["id"], "test")
    db.session.commit()
    assert_problem(client.post(f"{MINE}/{theirs}/pack", headers=kikapu.headers), 404, "seller_order_not_found")

    def order_status() -> str:
        return db.session.get(Order, order["id"], populate_existing=True).status

    packed = client.post(f"{MINE}/{mine}/pack", headers=kikapu.headers)
    assert packed.status_code == 200 and packed.get_json()["status"] == "packed"
    assert order_status() == "processing"  # a seller is preparing it
    shipped = client.post(
        f"{MINE}/{mine}/ship", json={"courier": "G4S", "tracking_note": "WB-1"}, headers=kikapu.headers
    )
    assert (shipped.get_json()["courier"], shipped.get_json()["tracking_note"]) == ("G4S", "WB-1")
    assert order_status() == "processing"  # Radio Hub has not shipped
    client.post(f"{MINE}/{theirs}/pack", headers=hub.headers)
    client.post(f"{MINE}/{theirs}/ship", headers=hub.headers)  # a courier is optional
    assert order_status() == "shipped"
    assert client.post(f"{MINE}/{mine}/deliver", headers=kikapu.headers).status_code == 404  # no such route
    assert_problem(client.post(f"/api/v1/seller-orders/{mine}/deliver", headers=kikapu.headers), 403, "forbidden")
    assert client.post(f"/api/v1/seller-orders/{mine}/deliver", headers=admin.headers).status_code == 200
    assert order_status() == "shipped"
    assert client.post(f"/api/v1/seller-orders/{theirs}/deliver", headers=admin.headers).status_code == 200
    assert order_status() == "delivered"
    events = client.get(f"/api/v1/orders/{order['id']}", headers=customer.headers).get_json()["history"]
    assert [e["to_status"] for e in events][-4:] == ["processing", "shipped", "out_for_delivery", "delivered"]


def test_a_cash_order_is_processing_once_a_seller_packs(client, customer, address, two_sellers):
    order = place(client, customer, address, (two_sellers["basket"], 1), method="cash")
    [part] = db.session.scalars(select(SellerOrder)).all()
    assert client.post(f"{MINE}/{part.id}/pack", headers=owner_of(two_sellers["kikapu"]).headers).status_code == 200
    assert db.session.get(Order, order["id"], populate_existing=True).status == "processing"


def test_sellers_are_told_when_a_part_is_theirs_to_fulfil_and_when_it_is_cancelled(
    client, customer, address, two_sellers
):
    from app.notifications.models import Notification
    from tests.helpers import emails_to

    order = place(client, customer, address, (two_sellers["basket"], 2), (two_sellers["radio"], 1))
    kikapu = owner_of(two_sellers["kikapu"]).user

    def told() -> list[str]:
        return list(
            db.session.scalars(
                select(Notification.title).where(Notification.user_id == kikapu.id).order_by(Notification.id)
            )
        )

    assert told() == []  # unpaid: nothing to fulfil yet
    assert mark_paid(order["id"], "test")
    db.session.commit()
    assert told() == ["An order to fulfil"]
    assert any(f"{order['reference']}-1" in e.subject for e in emails_to(kikapu.email))
    client.post(f"/api/v1/orders/{order['id']}/cancel", headers=customer.headers)
    assert told() == ["An order to fulfil", "An order was cancelled"]


def test_admins_read_every_sellers_parts_a_suspended_sellers_open_ones_included(
    client, customer, address, admin, two_sellers
):
    from app.catalog.services.sellers import set_store_open

    s = two_sellers
    order = place(client, customer, address, (s["basket"], 1), (s["radio"], 1), method="cash")
    set_store_open(s["hub"].id, False)  # what suspension does to the store
    db.session.flush()
    every = client.get("/api/v1/seller-orders", headers=admin.headers).get_json()
    assert {item["reference"] for item in every["items"]} == {f"{order['reference']}-1", f"{order['reference']}-2"}
    hubs = client.get(f"/api/v1/seller-orders?seller_id={s['hub'].id}&status=to_fulfil", headers=admin.headers)
    [part] = hubs.get_json()["items"]
    assert part["status"] == "to_fulfil" and part["lines"][0]["product_id"] == s["radio"].id
    one = client.get(f"/api/v1/seller-orders/{part['id']}", headers=admin.headers).get_json()
    assert one["reference"] == part["reference"] and one["deliver_to"]["town"]
    owner = owner_of(s["kikapu"])
    assert_problem(client.get("/api/v1/seller-orders", headers=owner.headers), 403, "forbidden")
    assert_problem(client.get(f"/api/v1/seller-orders/{part['id']}", headers=owner.headers), 403, "forbidden")
    assert_problem(client.get("/api/v1/seller-orders/99999", headers=admin.headers), 404, "seller_order_not_found")


def test_a_page_of_seller_orders_costs_the_same_queries_for_one_or_many(client, customer, address, two_sellers):
    from sqlalchemy import event

    kikapu = owner_of(two_sellers["kikapu"])

    def queries_for_page() -> int:
        seen: list[str] = []

        def count(*_: object) -> None:
            seen.append("q")

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert client.get(MINE, headers=kikapu.headers).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    place(client, customer, address, (two_sellers["basket"], 1), method="cash")
    one = queries_for_page()
    for _ in range(2):  # three unpaid orders at most
        place(client, customer, address, (two_sellers["mat"], 1), method="cash")
    assert queries_for_page() == one  # no query per order (it was two each)
