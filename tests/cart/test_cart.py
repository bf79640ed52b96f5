"""The cart over HTTP: lines, prices, caps, saved-for-later, guests and their merge on login."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import func, select

from app.cart.models import Cart, CartLine
from app.common.types import utcnow
from app.extensions import db
from tests.factories import DEFAULT_PASSWORD, ProductFactory, ProductImageFactory, UserFactory
from tests.helpers import assert_problem

CART = "/api/v1/cart"
LINES = "/api/v1/cart/lines"


def _add(client, product_id: int, quantity: int = 1, headers=None):
    return client.post(LINES, json={"product_id": product_id, "quantity": quantity}, headers=headers or {})


def _guest(token: str) -> dict[str, str]:
    return {"X-Cart-Token": token}


def test_an_empty_cart_for_a_newcomer(client, customer):
    for headers in ({}, customer.headers):
        body = client.get(CART, headers=headers).get_json()
        assert body == {
            "lines": [],
            "saved_for_later": [],
            "subtotal": "0.00",
            "currency": "KES",
            "count": 0,
            "cart_token": None,
        }


def test_adding_shows_the_line_at_todays_price(client, customer):
    product = ProductFactory(price=Decimal("333.33"), stock=5, name="Kikoi")
    image = ProductImageFactory(product=product)
    response = _add(client, product.id, 3, customer.headers)
    assert response.status_code == 200
    body = response.get_json()
    [line] = body["lines"]
    assert line["quantity"] == 3 and line["unit_price"] == "333.33" and line["line_total"] == "999.99"
    assert line["product"]["name"] == "Kikoi" and line["product"]["in_stock"] is True
    assert line["product"]["image"]["url"] == f"/media/{image.path}"
    assert line["problems"] == []
    assert body["subtotal"] == "999.99" and body["count"] == 3 and body["cart_token"] is None
    assert client.get(f"{CART}/count", headers=customer.headers).get_json() == {"count": 3}


def test_adding_the_same_product_again_adds_to_its_line(client, customer):
    product = ProductFactory(stock=10)
    _add(client, product.id, 2, customer.headers)
    body = _add(client, product.id, 3, customer.headers).get_json()
    assert [line["quantity"] for line in body["lines"]] == [5]
    assert db.session.scalar(select(func.count()).select_from(CartLine)) == 1


def test_more_than_the_stock_is_409_with_what_is_available(client, customer):
    product = ProductFactory(stock=4)
    _add(client, product.id, 3, customer.headers)
    body = assert_problem(_add(client, product.id, 2, customer.headers), 409, "insufficient_stock")
    assert body["shortages"] == [{"product_id": product.id, "requested": 5, "available": 4}]
    assert client.get(CART, headers=customer.headers).get_json()["count"] == 3  # unchanged


def test_a_line_holds_at_most_99(client, customer, app):
    product = ProductFactory(stock=500)
    assert_problem(_add(client, product.id, 100, customer.headers), 422, "validation_error")
    _add(client, product.id, 60, customer.headers)
    assert_problem(_add(client, product.id, 40, customer.headers), 409, "cart_limit")
    assert _add(client, product.id, 39, customer.headers).get_json()["count"] == 99


def test_a_cart_holds_at_most_100_lines(client, customer):
    products = ProductFactory.create_batch(101, stock=3)
    for product in products[:100]:
        assert _add(client, product.id, 1, customer.headers).status_code == 200
    assert_problem(_add(client, products[100].id, 1, customer.headers), 409, "cart_limit")


@pytest.mark.parametrize("quantity", [0, -1, "2", 1.5, True])
def test_bad_quantities_are_422(client, customer, quantity):
    product = ProductFactory()
    response = client.post(LINES, json={"product_id": product.id, "quantity": quantity}, headers=customer.headers)
    assert assert_problem(response, 422, "validation_error")["errors"].keys() == {"quantity"}


def test_unknown_and_inactive_products_are_404(client, customer):
    assert_problem(_add(client, 999_999, 1, customer.headers), 404, "product_not_found")
    inactive = ProductFactory(is_active=False)
    assert_problem(_add(client, inactive.id, 1, customer.headers), 404, "product_not_found")


def test_patch_and_delete_a_line(client, customer):
    product = ProductFactory(stock=6)
    line_id = _add(client, product.id, 1, customer.headers).get_json()["lines"][0]["id"]
    body = client.patch(f"{LINES}/{line_id}", json={"quantity": 6}, headers=customer.headers).get_json()
    assert body["count"] == 6
    short = client.patch(f"{LINES}/{line_id}", json={"quantity": 7}, headers=customer.headers)
    assert_problem(short, 409, "insufficient_stock")
    body = client.delete(f"{LINES}/{line_id}", headers=customer.headers).get_json()
    assert body["lines"] == [] and body["count"] == 0
    assert_problem(client.delete(f"{LINES}/{line_id}", headers=customer.headers), 404, "cart_line_not_found")


def test_save_for_later_and_back(client, customer):
    kept, saved = ProductFactory(stock=5, price=Decimal("10.00")), ProductFactory(stock=5, price=Decimal("20.00"))
    _add(client, kept.id, 1, customer.headers)
    line_id = _add(client, saved.id, 2, customer.headers).get_json()["lines"][1]["id"]
    body = client.post(f"{LINES}/{line_id}/save-for-later", headers=customer.headers).get_json()
    assert [line["id"] for line in body["saved_for_later"]] == [line_id]
    assert body["subtotal"] == "10.00" and body["count"] == 1
    # Emptying the cart keeps what was saved.
    assert client.delete(CART, headers=customer.headers).status_code == 204
    body = client.get(CART, headers=customer.headers).get_json()
    assert body["lines"] == [] and len(body["saved_for_later"]) == 1
    body = client.post(f"{LINES}/{line_id}/move-to-cart", headers=customer.headers).get_json()
    assert body["saved_for_later"] == [] and body["subtotal"] == "40.00"


def test_moving_a_saved_line_back_needs_stock(client, customer):
    product = ProductFactory(stock=5)
    line_id = _add(client, product.id, 3, customer.headers).get_json()["lines"][0]["id"]
    client.post(f"{LINES}/{line_id}/save-for-later", headers=customer.headers)
    product.stock = 2
    db.session.commit()
    assert_problem(client.post(f"{LINES}/{line_id}/move-to-cart", headers=customer.headers), 409, "insufficient_stock")


def test_validation_reports_price_changes_shortages_and_withdrawals(client, customer):
    cheaper, scarce, withdrawn, fine = (ProductFactory(stock=5, price=Decimal("100.00")) for _ in range(4))
    for product in (cheaper, scarce, withdrawn, fine):
        _add(client, product.id, 2, customer.headers)
    assert client.get(f"{CART}/validate", headers=customer.headers).get_json() == {"valid": True, "problems": []}
    cheaper.price = Decimal("90.00")
    scarce.stock = 1
    withdrawn.is_active = False
    db.session.commit()

    report = client.get(f"{CART}/validate", headers=customer.headers).get_json()
    assert report["valid"] is False
    problems = {(p["product_id"], p["code"]): p for p in report["problems"]}
    assert set(problems) == {
        (cheaper.id, "price_changed"),
        (scarce.id, "insufficient_stock"),
        (withdrawn.id, "unavailable"),
    }
    assert problems[(cheaper.id, "price_changed")]["added_price"] == "100.00"
    assert problems[(cheaper.id, "price_changed")]["current_price"] == "90.00"
    assert problems[(scarce.id, "insufficient_stock")]["available"] == 1
    cart = client.get(CART, headers=customer.headers).get_json()
    # Today's prices; the withdrawn product is shown but not summed.
    assert cart["subtotal"] == "580.00"
    withdrawn_line = next(line for line in cart["lines"] if line["product"]["id"] == withdrawn.id)
    assert withdrawn_line["product"]["in_stock"] is False and withdrawn_line["problems"][0]["code"] == "unavailable"


def test_a_withdrawn_products_line_can_be_lowered_not_raised(client, customer):
    product = ProductFactory(stock=5)
    line_id = _add(client, product.id, 3, customer.headers).get_json()["lines"][0]["id"]
    product.is_active = False
    db.session.commit()
    assert client.patch(f"{LINES}/{line_id}", json={"quantity": 1}, headers=customer.headers).status_code == 200
    raised = client.patch(f"{LINES}/{line_id}", json={"quantity": 2}, headers=customer.headers)
    assert_problem(raised, 404, "product_not_found")


# Guests ------------------------------------------------------------------------------------------


def test_a_guest_gets_a_token_and_keeps_their_cart_with_it(client):
    product = ProductFactory(stock=5)
    body = _add(client, product.id, 2).get_json()
    token = body["cart_token"]
    assert token and len(token) >= 43  # 256 bits, URL-safe base64
    again = _add(client, product.id, 1, _guest(token)).get_json()
    assert again["cart_token"] is None and again["count"] == 3
    assert client.get(CART, headers=_guest(token)).get_json()["count"] == 3
    # Only a hash of the token is stored.
    assert db.session.scalar(select(Cart.token_hash)) != token


def test_a_guest_cart_is_not_readable_with_another_token(client):
    product = ProductFactory(stock=5)
    mine = _add(client, product.id, 1).get_json()
    theirs = _add(client, product.id, 1).get_json()["cart_token"]
    line_id = mine["lines"][0]["id"]
    assert_problem(client.get(CART, headers=_guest("not-a-real-token")), 404, "cart_not_found")
    response = client.patch(f"{LINES}/{line_id}", json={"quantity": 2}, headers=_guest(theirs))
    assert_problem(response, 404, "cart_line_not_found")
    assert_problem(client.delete(f"{LINES}/{line_id}"), 404, "cart_line_not_found")  # no token at all
    assert client.get(CART, headers=_guest(mine["cart_token"])).get_json()["count"] == 1


def test_with_a_login_the_guest_token_is_ignored(client, customer):
    product = ProductFactory(stock=5)
    token = _add(client, product.id, 1).get_json()["cart_token"]
    body = client.get(CART, headers={**customer.headers, **_guest(token)}).get_json()
    assert body["lines"] == []


def test_a_bad_access_token_is_401_even_where_guests_are_welcome(client):
    response = client.get(CART, headers={"Authorization": "Bearer not.a.jwt"})
    assert response.status_code == 401


def test_guest_carts_expire_after_guest_cart_days(client, app):
    from app.cart.lifecycle import purge_expired_guest_carts

    product = ProductFactory(stock=5)
    token = _add(client, product.id, 1).get_json()["cart_token"]
    days = app.config["GUEST_CART_DAYS"]
    with time_machine.travel(utcnow() + timedelta(days=days - 1), tick=False):
        assert client.get(CART, headers=_guest(token)).status_code == 200
    with time_machine.travel(utcnow() + timedelta(days=days, minutes=1), tick=False):
        assert_problem(client.get(CART, headers=_guest(token)), 404, "cart_not_found")
        assert purge_expired_guest_carts() == 1
    assert db.session.scalar(select(func.count()).select_from(Cart)) == 0


def test_login_merges_the_guest_cart(client):
    user = UserFactory(email="buyer@example.com")
    shared, scarce, only_guest = ProductFactory(stock=10), ProductFactory(stock=4), ProductFactory(stock=5)
    login = {"email": "buyer@example.com", "password": DEFAULT_PASSWORD}
    mine = client.post("/api/v1/auth/login", json=login).get_json()["access_token"]
    me = {"Authorization": f"Bearer {mine}"}
    _add(client, shared.id, 2, me)
    _add(client, scarce.id, 3, me)
    token = _add(client, shared.id, 3).get_json()["cart_token"]
    _add(client, scarce.id, 3, _guest(token))
    _add(client, only_guest.id, 1, _guest(token))

    response = client.post("/api/v1/auth/login", json=login, headers=_guest(token))
    assert response.status_code == 200
    cart = client.get(CART, headers=me).get_json()
    quantities = {line["product"]["id"]: line["quantity"] for line in cart["lines"]}
    assert quantities == {shared.id: 5, scarce.id: 4, only_guest.id: 1}  # 3 + 3 capped by the stock of 4
    assert_problem(client.get(CART, headers=_guest(token)), 404, "cart_not_found")  # the guest cart is gone
    assert db.session.scalar(select(func.count()).select_from(Cart).where(Cart.user_id == user.id)) == 1


def test_sign_up_takes_the_guest_cart(client):
    product = ProductFactory(stock=5)
    token = _add(client, product.id, 2).get_json()["cart_token"]
    body = {
        "name": "New Buyer",
        "email": "new@example.com",
        "password": "Mvua-Nyingi-2026",
        "accept_terms": True,
    }
    assert client.post("/api/v1/auth/register", json=body, headers=_guest(token)).status_code == 201
    tokens = client.post("/api/v1/auth/login", json={"email": body["email"], "password": body["password"]})
    me = {"Authorization": f"Bearer {tokens.get_json()['access_token']}"}
    assert client.get(CART, headers=me).get_json()["count"] == 2


def test_login_with_an_unknown_cart_token_still_logs_in(client, customer):
    login = {"email": customer.user.email, "password": DEFAULT_PASSWORD}
    assert client.post("/api/v1/auth/login", json=login, headers=_guest("gone-long-ago")).status_code == 200


def test_deleting_the_account_deletes_its_cart(client, customer):
    _add(client, ProductFactory(stock=5).id, 1, customer.headers)
    response = client.delete("/api/v1/me", json={"password": DEFAULT_PASSWORD}, headers=customer.headers)
    assert response.status_code == 204
    assert db.session.scalar(select(func.count()).select_from(Cart)) == 0


def test_the_purge_command_and_task_delete_only_expired_guest_carts(app, client, customer):
    from click.testing import CliRunner

    from app.cart.tasks import purge_expired

    product = ProductFactory(stock=5)
    _add(client, product.id, 1)
    _add(client, product.id, 1, customer.headers)
    with time_machine.travel(utcnow() + timedelta(days=app.config["GUEST_CART_DAYS"] + 1), tick=False):
        _add(client, product.id, 1)  # a fresh guest cart, kept
        result = CliRunner().invoke(app.cli, ["cart", "purge-expired"], catch_exceptions=False)
        assert result.output.strip() == "purged 1 expired guest carts"
        assert purge_expired.delay().result == 0
    assert db.session.scalar(select(func.count()).select_from(Cart)) == 2  # the customer's and the fresh guest's


def test_a_product_added_again_after_checkout_in_the_same_session_is_a_new_line(customer, address, zone):
    """Checkout deletes its lines in SQL; the session it ran in must not keep them: a script that
    checked out and added the product again updated a line the database no longer had."""
    from app.cart.services import Owner, add_line
    from app.orders.services.checkout import place_order
    from tests.factories import ProductFactory

    product = ProductFactory(stock=10)
    add_line(Owner(user=customer.user), product.id, 1)
    place_order(customer.user, {"address_id": address.id, "payment_method": "cash"})
    view = add_line(Owner(user=customer.user), product.id, 2)  # StaleDataError before
    db.session.flush()
    rows = db.session.execute(select(CartLine.product_id, CartLine.quantity)).all()
    assert [tuple(row) for row in rows] == [(product.id, 2)] and view.count == 2
