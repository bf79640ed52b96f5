"""A seller's own products: everything they manage, not only what the shop shows."""

from __future__ import annotations

from tests.factories import ProductFactory, store_of
from tests.helpers import assert_problem

URL = "/api/v1/seller/products"


def test_a_seller_sees_inactive_and_sold_out_products_of_their_own_store_only(client, supplier, customer):
    store = store_of(supplier.user)
    on_sale = ProductFactory(seller=store, name="Radio", stock=4)
    hidden = ProductFactory(seller=store, name="Old radio", is_active=False)
    sold_out = ProductFactory(seller=store, name="Torch", stock=0)
    ProductFactory(name="Someone else's radio")
    page = client.get(URL, headers=supplier.headers).get_json()
    assert {item["id"] for item in page["items"]} == {on_sale.id, hidden.id, sold_out.id}
    assert page["meta"]["total"] == 3
    assert [i["id"] for i in client.get(f"{URL}?active=false", headers=supplier.headers).get_json()["items"]] == [
        hidden.id
    ]
    assert [i["id"] for i in client.get(f"{URL}?in_stock=false", headers=supplier.headers).get_json()["items"]] == [
        sold_out.id
    ]
    named = client.get(f"{URL}?q=radio", headers=supplier.headers).get_json()["items"]
    assert {i["id"] for i in named} == {on_sale.id, hidden.id}
    assert_problem(client.get(URL, headers=customer.headers), 403, "forbidden")
    shop = client.get("/api/v1/products").get_json()["items"]
    assert hidden.id not in {card["id"] for card in shop}
