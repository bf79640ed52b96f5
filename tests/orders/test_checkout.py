"""Checkout over HTTP: the cart becomes an order in one transaction, or nothing happens."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from app.cart.models import CartLine
from app.catalog.models import Product
from app.common.types import utcnow
from app.extensions import db
from app.orders.models import Order, OrderLine
from tests.factories import AddressFactory, DeliveryZoneFactory, ProductFactory
from tests.helpers import ORDERS, add_to_cart, assert_problem, checkout, emails_to


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_checkout_makes_the_order_takes_stock_and_empties_the_cart(client, customer, address, zone):
    kikoi = ProductFactory(price=Decimal("333.33"), stock=5, name="Kikoi", sku="KK-1")
    lamp = ProductFactory(price=Decimal("1200.00"), stock=2)
    add_to_cart(client, customer, kikoi, 3)
    add_to_cart(client, customer, lamp, 1)
    saved = ProductFactory(stock=3)
    add_to_cart(client, customer, saved, 1)
    saved_line = db.session.scalar(select(CartLine.id).where(CartLine.product_id == saved.id))
    client.post(f"/api/v1/cart/lines/{saved_line}/save-for-later", headers=customer.headers)

    response = checkout(client, customer, address, notes="Gate B")
    assert response.status_code == 201, response.get_json()
    order = response.get_json()
    assert response.headers["Location"].endswith(f"{ORDERS}/{order['id']}")
    assert re.fullmatch(r"DK[A-HJ-NP-Z2-9]{8}", order["reference"])
    assert order["status"] == "pending_payment" and order["payment_method"] == "mpesa"
    assert order["subtotal"] == "2199.99" and order["delivery_fee"] == "250.00" and order["total"] == "2449.99"
    assert order["currency"] == "KES" and order["notes"] == "Gate B"
    first_line = db.session.scalar(
        select(OrderLine.id).where(OrderLine.order_id == order["id"], OrderLine.product_id == kikoi.id)
    )
    assert order["lines"][0] == {
        "id": first_line,
        "product_id": kikoi.id,
        "name": "Kikoi",
        "sku": "KK-1",
        "unit_price": "333.33",
        "quantity": 3,
        "line_total": "999.99",
        "cancelled_at": None,
    }
    assert order["shipping_address"]["recipient"] == address.recipient
    assert order["delivery_zone"]["name"] == "Nairobi Metro" and order["delivery_zone"]["fee"] == "250.00"
    assert [(e["from_status"], e["to_status"], e["actor_kind"]) for e in order["history"]] == [
        (None, "pending_payment", "customer")
    ]
    assert order["payment_due_at"] is not None and order["paid_at"] is None

    assert db.session.get(Product, kikoi.id).stock == 2 and db.session.get(Product, lamp.id).stock == 1
    cart = client.get("/api/v1/cart", headers=customer.headers).get_json()
    assert cart["lines"] == [] and len(cart["saved_for_later"]) == 1  # saved-for-later stays
    [email] = [e for e in emails_to(customer.user.email) if order["reference"] in e.subject]
    assert "Total: KES 2449.99" in email.body


def test_free_delivery_above_the_threshold(client, customer, address, zone):
    add_to_cart(client, customer, ProductFactory(price=Decimal("5000.00"), stock=1))
    order = checkout(client, customer, address).get_json()
    assert order["delivery_fee"] == "0.00" and order["total"] == "5000.00"


def test_an_empty_cart_is_409(client, customer, address, zone):
    assert_problem(checkout(client, customer, address), 409, "cart_empty")


def test_short_stock_is_409_naming_each_product_and_leaves_everything_as_it_was(client, customer, address, zone):
    plenty, scarce, gone = ProductFactory(stock=10), ProductFactory(stock=3), ProductFactory(stock=2)
    add_to_cart(client, customer, plenty, 2)
    add_to_cart(client, customer, scarce, 3)
    add_to_cart(client, customer, gone, 2)
    scarce.stock, gone.stock = 1, 0
    db.session.commit()

    body = assert_problem(checkout(client, customer, address), 409, "insufficient_stock")
    assert body["shortages"] == [
        {"product_id": scarce.id, "requested": 3, "available": 1},
        {"product_id": gone.id, "requested": 2, "available": 0},
    ]
    assert db.session.get(Product, plenty.id).stock == 10  # nothing taken
    assert _count(Order) == 0 and _count(OrderLine) == 0
    assert client.get("/api/v1/cart", headers=customer.headers).get_json()["count"] == 7  # the cart as it was


def test_a_withdrawn_product_is_409_product_unavailable(client, customer, address, zone):
    product = ProductFactory(stock=5)
    add_to_cart(client, customer, product)
    product.is_active = False
    db.session.commit()
    body = assert_problem(checkout(client, customer, address), 409, "product_unavailable")
    assert body["products"] == [{"product_id": product.id, "name": product.name}]


def test_the_zone_comes_from_the_address_or_must_cover_it(client, customer, address, zone):
    mombasa = DeliveryZoneFactory(name="Coast", counties=["Mombasa"], fee="600.00")
    add_to_cart(client, customer, ProductFactory(stock=5))
    assert_problem(checkout(client, customer, address, delivery_zone_id=mombasa.id), 409, "not_deliverable")
    far = AddressFactory(user_id=customer.user.id, county="Turkana", town="Lodwar")
    assert_problem(checkout(client, customer, far), 409, "not_deliverable")
    assert checkout(client, customer, address, delivery_zone_id=zone.id).status_code == 201


def test_another_users_address_is_404(client, customer, other_customer, zone):
    add_to_cart(client, customer, ProductFactory(stock=5))
    theirs = AddressFactory(user_id=other_customer.user.id)
    assert_problem(checkout(client, customer, theirs), 404, "address_not_found")


def test_cash_orders_wait_for_confirmation_until_their_deadline(app, client, customer, address, zone):
    add_to_cart(client, customer, ProductFactory(stock=5))
    before = utcnow()
    order = checkout(client, customer, address, payment_method="cash").get_json()
    due = datetime.fromisoformat(order["payment_due_at"])
    hours = app.config["CASH_CONFIRM_HOURS"]
    assert before + timedelta(hours=hours) <= due <= utcnow() + timedelta(hours=hours)


def test_cash_on_delivery_needs_a_verified_email(client, address, zone, customer):
    customer.user.email_verified_at = None
    db.session.flush()
    add_to_cart(client, customer, ProductFactory(stock=5))
    assert_problem(checkout(client, customer, address, payment_method="cash"), 403, "email_not_verified")
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert checkout(client, customer, address, payment_method="mpesa").status_code == 201


def test_an_account_holds_at_most_three_unpaid_orders(client, customer, address, zone):
    """The attack: one new account held 495 of 500 units in five unpaid cash orders."""
    for _ in range(3):
        add_to_cart(client, customer, ProductFactory(stock=500), 2)
        assert checkout(client, customer, address, payment_method="cash").status_code == 201
    add_to_cart(client, customer, ProductFactory(stock=500), 1)
    body = assert_problem(checkout(client, customer, address), 409, "unpaid_orders_limit")
    assert (body["unpaid_orders"], body["unpaid_units"], body["max_orders"], body["max_units"]) == (3, 6, 3, 100)
    paid = db.session.scalars(select(Order).where(Order.user_id == customer.user.id)).first()
    paid.status = "paid"  # one of them paid: room for another
    db.session.flush()
    assert checkout(client, customer, address).status_code == 201


def test_unpaid_orders_hold_at_most_a_hundred_units(client, customer, address, zone):
    product = ProductFactory(stock=500)
    add_to_cart(client, customer, product, 99)
    assert checkout(client, customer, address).status_code == 201
    add_to_cart(client, customer, product, 2)
    body = assert_problem(checkout(client, customer, address), 409, "unpaid_orders_limit")
    assert body["unpaid_units"] == 99
    assert db.session.get(Product, product.id).stock == 401  # the refused checkout took nothing
    add_to_cart(client, customer, product, 1)  # 1 unit: 100 in all is allowed
    response = client.patch(
        "/api/v1/cart/lines/" + str(client.get("/api/v1/cart", headers=customer.headers).get_json()["lines"][0]["id"]),
        json={"quantity": 1},
        headers=customer.headers,
    )
    assert response.status_code == 200
    assert checkout(client, customer, address).status_code == 201


def test_only_customers_check_out(client, supplier, admin, zone):
    for actor in (supplier, admin):
        address = AddressFactory(user_id=actor.user.id)
        assert_problem(checkout(client, actor, address), 403, "forbidden")


def test_bad_checkout_bodies_are_422(client, customer, address, zone):
    for body in ({"payment_method": "bitcoin"}, {"notes": "x" * 501}, {"address_id": "1"}):
        payload = {"address_id": address.id, "payment_method": "mpesa", **body}
        response = client.post(ORDERS, json=payload, headers={**customer.headers, "Idempotency-Key": "k-" + str(body)})
        assert_problem(response, 422, "validation_error")


def test_the_order_keeps_its_snapshot_when_prices_and_addresses_change(client, customer, address, zone):
    product = ProductFactory(price=Decimal("100.00"), stock=5, name="Old name")
    add_to_cart(client, customer, product, 2)
    order = checkout(client, customer, address).get_json()
    product.price, product.name = Decimal("150.00"), "New name"
    zone.fee = Decimal("999.00")
    db.session.commit()
    client.patch(f"/api/v1/me/addresses/{address.id}", json={"street": "Elsewhere 1"}, headers=customer.headers)
    again = client.get(f"{ORDERS}/{order['id']}", headers=customer.headers).get_json()
    assert again["lines"] == order["lines"] and again["lines"][0]["name"] == "Old name"
    assert again["shipping_address"] == order["shipping_address"]
    assert again["delivery_zone"]["fee"] == "250.00" and again["total"] == "450.00"


def test_a_method_the_shop_does_not_take_is_refused_at_checkout(app, client, customer, address, zone, monkeypatch):
    """M-Pesa without credentials was accepted and stranded until the order expired."""
    monkeypatch.setitem(app.config, "MPESA_CONSUMER_KEY", None)
    product = ProductFactory(stock=5)
    add_to_cart(client, customer, product)
    body = assert_problem(
        checkout(client, customer, address, payment_method="mpesa"), 409, "payment_method_unavailable"
    )
    assert body["offered"] == ["card", "cash", "paypal", "wallet"] and "payment_method" in body["errors"]
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert db.session.get(Product, product.id).stock == 5
    monkeypatch.setitem(app.config, "PAYPAL_FX_RATE", None)
    monkeypatch.setitem(app.config, "PAYPAL_CURRENCY", "USD")
    assert_problem(checkout(client, customer, address, payment_method="paypal"), 409, "payment_method_unavailable")
    assert checkout(client, customer, address, payment_method="card").status_code == 201


def test_a_price_changed_since_the_cart_was_read_is_not_charged_silently(client, customer, address, zone):
    """A 5.00 item repriced to 50,000.00 was bought at 50,000.00 with no step in between."""
    product = ProductFactory(price=Decimal("5.00"), stock=5)
    add_to_cart(client, customer, product, 2)
    product.price = Decimal("50000.00")
    db.session.commit()

    body = assert_problem(checkout(client, customer, address), 409, "price_changed")
    [line] = body["lines"]
    assert (line["product_id"], line["seen_price"], line["price"]) == (product.id, "5.00", "50000.00")
    assert (body["subtotal"], body["delivery_fee"], body["total"]) == (
        "100000.00",
        "0.00",
        "100000.00",
    )  # free over 5,000
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert db.session.get(Product, product.id).stock == 5
    assert_problem(checkout(client, customer, address), 409, "price_changed")  # a blind retry: still no

    shown = client.get("/api/v1/cart", headers=customer.headers).get_json()  # the customer sees it
    assert shown["lines"][0]["unit_price"] == "50000.00"
    assert [p["code"] for p in shown["lines"][0]["problems"]] == ["price_changed"]
    order = checkout(client, customer, address).get_json()
    assert order["subtotal"] == "100000.00"


def test_validating_the_cart_counts_as_seeing_its_prices_too(client, customer, address, zone):
    product = ProductFactory(price=Decimal("100.00"), stock=5)
    add_to_cart(client, customer, product)
    product.price = Decimal("90.00")
    db.session.commit()
    report = client.get("/api/v1/cart/validate", headers=customer.headers).get_json()
    assert [p["code"] for p in report["problems"]] == ["price_changed"]
    assert client.get("/api/v1/cart/validate", headers=customer.headers).get_json() == {"valid": True, "problems": []}
    assert checkout(client, customer, address).get_json()["subtotal"] == "90.00"
