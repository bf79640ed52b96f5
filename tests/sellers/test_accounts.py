"""Applying to sell, the documents, the admins' decisions, suspension and closing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.catalog.models import Product, Seller
from app.extensions import db
from app.notifications.models import Notification
from app.sellers.models import SellerAccount
from tests.factories import CategoryFactory, ProductFactory, SellerFactory
from tests.helpers import assert_problem, emails_to

APPLY = "/api/v1/seller-applications"
ACCOUNTS = "/api/v1/seller-accounts"
MINE = "/api/v1/seller/account"


def application(**overrides) -> dict:
    body = {
        "store_name": "Kikapu Crafts",
        "kind": "individual",
        "about": "Baskets woven in Machakos.",
        "contact_phone": "0712345678",
        "contact_email": "kikapu@example.co.ke",
        "pickup_county": "machakos",
        "pickup_town": "Machakos",
        "social_links": {"instagram": "https://instagram.com/kikapu"},
    }
    return {**body, **overrides}


def png(color: str = "red") -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(client, actor, account_id: int, label: str = "ID card"):
    return client.post(
        f"{ACCOUNTS}/{account_id}/documents",
        data={"file": (io.BytesIO(png()), "id.png"), "label": label},
        content_type="multipart/form-data",
        headers=actor.headers,
    )


@pytest.fixture
def applied(client, customer) -> dict:
    response = client.post(APPLY, json=application(), headers=customer.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def store(store_id: int) -> Seller:
    return db.session.get(Seller, store_id)


def decide(client, admin, account_id: int, verb: str, reason: str | None = None):
    body = {} if reason is None else {"reason": reason}
    return client.post(f"{ACCOUNTS}/{account_id}/{verb}", json=body, headers=admin.headers)


def test_a_customer_applies_and_admins_hear_of_it(client, customer, admin, applied):
    assert applied["status"] == "pending" and applied["store_id"] is None
    assert applied["pickup_county"] == "Machakos" and applied["contact_phone"] == "+254712345678"
    assert [(e["from_status"], e["to_status"]) for e in applied["history"]] == [(None, "pending")]
    assert client.get(MINE, headers=customer.headers).get_json()["id"] == applied["id"]
    told = db.session.scalar(select(Notification).where(Notification.user_id == admin.user.id))
    assert told.kind == "seller_application" and told.subject_id == applied["id"]
    again = client.post(APPLY, json=application(store_name="Another"), headers=customer.headers)
    assert_problem(again, 409, "application_exists")


def test_what_an_application_must_hold(client, customer, other_customer, supplier, applied):
    def applying(actor=other_customer, **fields):
        return client.post(APPLY, json=application(**fields), headers=actor.headers)

    body = assert_problem(applying(store_name="Biz Ltd", kind="business"), 422, "validation_error")
    assert set(body["errors"]) == {"kra_pin", "registration_number"}
    bad_pin = applying(store_name="Biz Ltd", kind="business", kra_pin="123", registration_number="PVT-1")
    assert "kra_pin" in assert_problem(bad_pin, 422, "validation_error")["errors"]
    assert_problem(applying(store_name="kikapu crafts"), 409, "store_name_taken")  # pending, any case
    SellerFactory(name="Taken Name")
    assert_problem(applying(store_name="Taken Name"), 409, "store_name_taken")  # an existing store
    assert_problem(applying(pickup_county="Atlantis"), 422, "validation_error")
    assert_problem(applying(supplier, store_name="Mine"), 403, "forbidden")
    good = applying(store_name="Biz Ltd", kind="business", kra_pin="A123456789B", registration_number="PVT-1")
    assert good.status_code == 201


def test_documents_are_private_photos_of_a_pending_application(client, customer, other_customer, admin, applied):
    added = upload(client, customer, applied["id"])
    assert added.status_code == 201, added.get_json()
    assert added.headers["Location"] == added.get_json()["url"] and added.get_json()["label"] == "ID card"
    with client.get(added.headers["Location"]) as photo:
        assert photo.status_code == 200 and photo.mimetype == "image/webp"
    assert_problem(upload(client, other_customer, applied["id"]), 404, "seller_account_not_found")
    for _ in range(4):
        assert upload(client, customer, applied["id"]).status_code == 201
    assert_problem(upload(client, customer, applied["id"]), 409, "too_many_documents")
    shown = client.get(f"{ACCOUNTS}/{applied['id']}", headers=admin.headers).get_json()
    assert len(shown["documents"]) == 5
    assert_problem(
        client.get(f"{ACCOUNTS}/{applied['id']}", headers=other_customer.headers), 404, "seller_account_not_found"
    )


def test_approval_opens_the_store_and_makes_a_supplier(client, customer, admin, applied):
    approved = decide(client, admin, applied["id"], "approve")
    assert approved.status_code == 200, approved.get_json()
    body = approved.get_json()
    assert body["status"] == "approved" and body["store_id"] and body["approved_at"]
    assert db.session.get(User, customer.user.id).role == "supplier"
    page = client.get("/api/v1/sellers/kikapu-crafts").get_json()
    assert (page["id"], page["name"], page["about"]) == (
        body["store_id"],
        "Kikapu Crafts",
        "Baskets woven in Machakos.",
    )
    category = CategoryFactory()
    product = {
        "name": "Basket",
        "description": "Sisal.",
        "price": "1500.00",
        "stock": 3,
        "sku": "B-1",
        "condition": "new",
        "category_id": category.id,
    }
    made = client.post("/api/v1/products", json=product, headers=customer.headers)
    assert made.status_code == 201 and made.get_json()["seller"]["slug"] == "kikapu-crafts"
    [email] = [e for e in emails_to(customer.user.email) if e.subject == "Your store is open"]
    assert "Kikapu Crafts is approved" in email.body
    assert_problem(decide(client, admin, applied["id"], "approve"), 409, "invalid_transition")


def test_a_rejection_says_why_and_the_user_may_apply_again(client, customer, admin, applied):
    assert_problem(decide(client, admin, applied["id"], "reject"), 422, "validation_error")
    rejected = decide(client, admin, applied["id"], "reject", "The photos are unreadable.").get_json()
    assert rejected["status"] == "rejected" and rejected["status_reason"] == "The photos are unreadable."
    assert db.session.get(User, customer.user.id).role == "customer"
    assert [e["to_status"] for e in rejected["history"]] == ["pending", "rejected"]
    again = client.post(APPLY, json=application(), headers=customer.headers)
    assert again.status_code == 201 and again.get_json()["id"] != applied["id"]


def test_suspension_withholds_the_products_and_reinstatement_brings_back_only_those(client, customer, admin, applied):
    store_id = decide(client, admin, applied["id"], "approve").get_json()["store_id"]
    on_sale = ProductFactory(seller=store(store_id), name="Basket A")
    taken_down = ProductFactory(seller=store(store_id), name="Basket B", is_active=False)
    other = ProductFactory(name="Someone else's")
    assert_problem(decide(client, admin, applied["id"], "suspend"), 422, "validation_error")
    suspended = decide(client, admin, applied["id"], "suspend", "Counterfeit goods reported.")
    assert suspended.get_json()["status"] == "suspended"
    names = [card["name"] for card in client.get("/api/v1/products").get_json()["items"]]
    assert "Basket A" not in names and "Someone else's" in names
    assert_problem(client.get(f"/api/v1/products/{on_sale.id}"), 404, "product_not_found")
    change = client.patch(f"/api/v1/products/{on_sale.id}", json={"stock": 9}, headers=customer.headers)
    assert_problem(change, 403, "store_closed")
    revive = client.patch(f"/api/v1/products/{on_sale.id}", json={"is_active": True}, headers=admin.headers)
    assert_problem(revive, 409, "product_withheld")
    assert decide(client, admin, applied["id"], "reinstate").get_json()["status"] == "approved"
    active = {p.id: p.is_active for p in db.session.scalars(select(Product)).all()}
    assert active == {on_sale.id: True, taken_down.id: False, other.id: True}
    assert client.get(f"/api/v1/products/{on_sale.id}").status_code == 200
    assert [e["to_status"] for e in client.get(MINE, headers=customer.headers).get_json()["history"]] == [
        "pending",
        "approved",
        "suspended",
        "approved",
    ]
    assert_problem(decide(client, admin, applied["id"], "reinstate"), 409, "invalid_transition")


def test_a_seller_closes_only_with_no_open_order(client, customer, other_customer, admin, applied, zone):
    from tests.factories import AddressFactory
    from tests.helpers import add_to_cart, checkout

    store_id = decide(client, admin, applied["id"], "approve").get_json()["store_id"]
    product = ProductFactory(seller=store(store_id), stock=5)
    add_to_cart(client, other_customer, product)
    home = AddressFactory(user_id=other_customer.user.id, county="Nairobi", town="Nairobi")
    order = checkout(client, other_customer, home)
    assert order.status_code == 201
    body = assert_problem(client.post("/api/v1/seller/close", headers=customer.headers), 409, "orders_still_open")
    assert body["orders"] == 1
    client.post(f"/api/v1/orders/{order.get_json()['id']}/cancel", headers=other_customer.headers)
    closed = client.post("/api/v1/seller/close", headers=customer.headers)
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert db.session.get(User, customer.user.id).role == "customer"
    assert db.session.get(Product, product.id, populate_existing=True).is_active is False


def test_the_admins_queue_filters(client, admin, customer, other_customer, applied):
    client.post(
        APPLY,
        json=application(store_name="Duka la Mama", pickup_town="Kisumu", pickup_county="Kisumu"),
        headers=other_customer.headers,
    )
    queue = client.get(f"{ACCOUNTS}?status=pending", headers=admin.headers).get_json()
    assert [a["store_name"] for a in queue["items"]] == ["Kikapu Crafts", "Duka la Mama"]
    assert [a["store_name"] for a in client.get(f"{ACCOUNTS}?q=kisumu", headers=admin.headers).get_json()["items"]] == [
        "Duka la Mama"
    ]
    assert_problem(client.get(ACCOUNTS, headers=customer.headers), 403, "forbidden")
    assert db.session.scalar(select(SellerAccount.status).where(SellerAccount.id == applied["id"])) == "pending"
