"""Featured products: staff feature them at a position; the listing filters and sorts by it."""

from __future__ import annotations

from decimal import Decimal

from tests.factories import ProductFactory
from tests.helpers import assert_problem

PRODUCTS = "/api/v1/products"


def test_staff_feature_products_and_the_listing_shows_them_in_their_order(client, admin, customer):
    plain = ProductFactory(name="Plain kettle", price=Decimal("900.00"))
    second = ProductFactory(name="Second kettle", price=Decimal("1900.00"))
    first = ProductFactory(name="First kettle", price=Decimal("2900.00"))
    assert (
        client.put(f"{PRODUCTS}/{second.id}/featured", json={"position": 5}, headers=admin.headers).status_code == 200
    )
    made = client.put(f"{PRODUCTS}/{first.id}/featured", json={"position": 1}, headers=admin.headers)
    assert made.get_json() == {"product_id": first.id, "featured_position": 1}

    featured = client.get(f"{PRODUCTS}?featured=true&sort=featured").get_json()
    assert [p["id"] for p in featured["items"]] == [first.id, second.id]
    assert featured["meta"]["total"] == 2
    everything = client.get(f"{PRODUCTS}?sort=featured").get_json()
    assert [p["id"] for p in everything["items"]] == [first.id, second.id, plain.id]
    searched = client.get(f"{PRODUCTS}?q=kettle&featured=true").get_json()
    assert {p["id"] for p in searched["items"]} == {first.id, second.id}

    assert (
        client.delete(f"{PRODUCTS}/{second.id}/featured", headers=admin.headers).get_json()["featured_position"] is None
    )
    assert [p["id"] for p in client.get(f"{PRODUCTS}?featured=true").get_json()["items"]] == [first.id]
    assert_problem(client.put(f"{PRODUCTS}/{plain.id}/featured", json={}, headers=customer.headers), 403, "forbidden")
    assert_problem(client.put(f"{PRODUCTS}/999999/featured", json={}, headers=admin.headers), 404, "product_not_found")
