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


def test_sellers_and_admins_see_the_commission_in_effect_on_a_product(client, supplier, admin):
    from decimal import Decimal

    from app.extensions import db
    from app.sellers.models import CommissionRate

    store = store_of(supplier.user)
    radio = ProductFactory(seller=store, name="Radio", price=Decimal("2500.00"))
    torch = ProductFactory(seller=store, name="Torch", price=Decimal("999.99"))
    db.session.add(CommissionRate(scope="default", target_id=0, kind="percentage", rate_bps=1000))
    db.session.add(CommissionRate(scope="product", target_id=torch.id, kind="fixed", amount=Decimal("50.00")))
    db.session.flush()
    items = {item["id"]: item["commission"] for item in client.get(URL, headers=supplier.headers).get_json()["items"]}
    assert (items[radio.id]["rate"]["scope"], items[radio.id]["per_unit"]) == ("default", "250.00")
    assert (items[torch.id]["rate"]["scope"], items[torch.id]["per_unit"]) == ("product", "50.00")
    seen = client.get(f"/api/v1/products/{torch.id}/commission", headers=admin.headers).get_json()
    assert seen["commission"]["rate"]["amount"] == "50.00" and seen["id"] == torch.id
    mine = client.get(f"/api/v1/products/{radio.id}/commission", headers=supplier.headers).get_json()
    assert mine["commission"]["per_unit"] == "250.00"
    public = client.get(f"/api/v1/products/{radio.id}").get_json()
    assert "commission" not in public  # never the buyer's business


def test_without_any_rate_nothing_is_kept(client, supplier):
    ProductFactory(seller=store_of(supplier.user))
    [item] = client.get(URL, headers=supplier.headers).get_json()["items"]
    assert item["commission"] == {"rate": None, "per_unit": "0.00"}
