"""The seller terms: versions, the one in effect, acceptance, and no product change without it."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from app.common.types import utcnow
from app.notifications.models import Notification
from app.sellers.models import TermsAcceptance
from tests.factories import CategoryFactory, ProductFactory, store_of
from tests.helpers import assert_problem

TERMS = "/api/v1/terms"


def publish(client, admin, version: str, **extra):
    return client.post(TERMS, json={"version": version, "text": f"# Terms {version}", **extra}, headers=admin.headers)


def product_body(category_id: int) -> dict:
    return {
        "name": "Lamp",
        "description": "Bright.",
        "price": "900.00",
        "stock": 2,
        "sku": "L-1",
        "condition": "new",
        "category_id": category_id,
    }


def test_a_seller_lists_nothing_until_they_accept_the_terms_in_effect(client, admin, supplier, db_session):
    from app.sellers.demo import demo_store

    demo_store(supplier.user)  # an approved seller account for the supplier's store
    assert_problem(client.get(f"{TERMS}/current"), 404, "terms_not_found")
    category = CategoryFactory()
    assert client.post("/api/v1/products", json=product_body(category.id), headers=supplier.headers).status_code == 201

    published = publish(client, admin, "2026.1")
    assert published.status_code == 201 and published.headers["Location"].endswith("/terms/current")
    assert client.get(f"{TERMS}/current").get_json()["version"] == "2026.1"
    told = db_session.scalar(select(Notification).where(Notification.user_id == supplier.user.id))
    assert told.kind == "seller_terms" and "2026.1" in told.body

    body = dict(product_body(category.id), sku="L-2")
    refused = assert_problem(
        client.post("/api/v1/products", json=body, headers=supplier.headers), 403, "terms_not_accepted"
    )
    assert refused["version"] == "2026.1"
    mine = ProductFactory(seller=store_of(supplier.user))
    change = client.patch(f"/api/v1/products/{mine.id}", json={"stock": 4}, headers=supplier.headers)
    assert_problem(change, 403, "terms_not_accepted")
    status = client.get("/api/v1/seller/account", headers=supplier.headers).get_json()["terms"]
    assert status == {"version_in_effect": "2026.1", "accepted_version": None, "accepted": False}

    accepted = client.post(
        "/api/v1/seller/terms/accept", json={"version": "2026.1"}, headers={**supplier.headers, "User-Agent": "Kiosk/1"}
    )
    assert accepted.status_code == 200 and accepted.get_json()["version"] == "2026.1"
    record = db_session.scalar(select(TermsAcceptance))
    assert record.user_agent == "Kiosk/1" and record.address == "127.0.0.1"
    assert client.post("/api/v1/products", json=body, headers=supplier.headers).status_code == 201
    again = client.post("/api/v1/seller/terms/accept", json={"version": "2026.1"}, headers=supplier.headers)
    assert again.get_json()["accepted_at"] == accepted.get_json()["accepted_at"]  # the first record stays


def test_a_version_applies_from_its_time_and_admins_are_not_bound(client, admin, supplier):
    from app.sellers.demo import demo_store

    demo_store(supplier.user)
    later = utcnow() + timedelta(days=7)
    assert publish(client, admin, "2027.1", effective_from=later.isoformat()).status_code == 201
    assert_problem(client.get(f"{TERMS}/current"), 404, "terms_not_found")  # not in effect yet
    category = CategoryFactory()
    assert client.post("/api/v1/products", json=product_body(category.id), headers=supplier.headers).status_code == 201
    with time_machine.travel(later + timedelta(minutes=1), tick=False):
        from tests.helpers import bearer, tokens_for

        headers = bearer(tokens_for(supplier.user)["access_token"])
        body = dict(product_body(category.id), sku="L-9")
        assert_problem(client.post("/api/v1/products", json=body, headers=headers), 403, "terms_not_accepted")
        admin_headers = bearer(tokens_for(admin.user)["access_token"])
        assert client.post("/api/v1/products", json=body, headers=admin_headers).status_code == 201
    assert_problem(publish(client, admin, "2027.1"), 409, "terms_version_taken")
    assert_problem(
        client.post("/api/v1/seller/terms/accept", json={"version": "9.9"}, headers=supplier.headers),
        404,
        "terms_not_found",
    )
