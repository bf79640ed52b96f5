"""A seller's public store page, and their products in the catalog."""

from __future__ import annotations

from decimal import Decimal

from tests.factories import CategoryFactory, ProductFactory, SellerFactory
from tests.helpers import assert_problem

URL = "/api/v1/sellers"


def test_the_store_page_counts_products_on_sale_and_rates_over_every_review(client):
    seller = SellerFactory(name="Kikapu Crafts", about="Baskets woven in Machakos.")
    hidden = CategoryFactory(name="Hidden", is_active=False)
    ProductFactory(seller=seller, rating_average=Decimal("4.00"), rating_count=3)
    ProductFactory(seller=seller, rating_average=Decimal("5.00"), rating_count=1)
    ProductFactory(seller=seller, is_active=False, rating_average=Decimal("1.00"), rating_count=10)
    ProductFactory(seller=seller, category=hidden)
    ProductFactory(rating_average=Decimal("1.00"), rating_count=5)  # another seller's
    page = client.get(f"{URL}/kikapu-crafts")
    assert page.status_code == 200 and page.headers["ETag"]
    body = page.get_json()
    assert body == {
        "id": seller.id,
        "name": "Kikapu Crafts",
        "slug": "kikapu-crafts",
        "about": "Baskets woven in Machakos.",
        "logo_url": None,
        "is_house": False,
        "member_since": body["member_since"],
        "product_count": 2,
        "rating_average": "4.25",  # (4 x 3 + 5 x 1) / 4
        "rating_count": 4,
    }
    listing = client.get(f"/api/v1/products?seller={seller.slug}").get_json()
    assert listing["meta"]["total"] == 2
    assert {card["seller"]["slug"] for card in listing["items"]} == {"kikapu-crafts"}


def test_a_new_store_has_no_rating_yet_and_an_unknown_one_is_404(client):
    SellerFactory(name="Fresh Start")
    body = client.get(f"{URL}/fresh-start").get_json()
    assert (body["product_count"], body["rating_average"], body["rating_count"]) == (0, "0.00", 0)
    assert_problem(client.get(f"{URL}/nobody-here"), 404, "seller_not_found")


def test_a_seller_edits_the_store_page_and_its_logo(client, supplier, customer):
    import io

    from PIL import Image

    from tests.factories import store_of

    store = store_of(supplier.user)
    page = client.patch("/api/v1/seller/store", json={"about": "Radios since 1998."}, headers=supplier.headers)
    assert page.status_code == 200 and page.get_json()["about"] == "Radios since 1998."
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "blue").save(buffer, format="PNG")
    logo = client.put(
        "/api/v1/seller/store/logo",
        data={"file": (io.BytesIO(buffer.getvalue()), "logo.png")},
        content_type="multipart/form-data",
        headers=supplier.headers,
    )
    assert logo.status_code == 200 and logo.get_json()["logo_url"].endswith(".webp")
    assert client.get(f"{URL}/{store.slug}").get_json()["logo_url"] == logo.get_json()["logo_url"]
    renamed = client.patch("/api/v1/seller/store", json={"name": "X"}, headers=supplier.headers)
    assert_problem(renamed, 422, "validation_error")
    not_theirs = client.patch("/api/v1/seller/store", json={"about": "x"}, headers=customer.headers)
    assert_problem(not_theirs, 403, "forbidden")


def test_a_warranty_is_shown_to_buyers(client, supplier):
    from tests.factories import CategoryFactory

    body = {
        "name": "Radio",
        "description": "FM.",
        "price": "900.00",
        "stock": 2,
        "sku": "R-1",
        "condition": "new",
        "category_id": CategoryFactory().id,
        "warranty": "12 months, manufacturer's",
    }
    made = client.post("/api/v1/products", json=body, headers=supplier.headers).get_json()
    assert made["warranty"] == "12 months, manufacturer's"
    assert client.get(f"/api/v1/products/{made['id']}").get_json()["warranty"] == "12 months, manufacturer's"
