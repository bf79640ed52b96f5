"""Product management: who may create and change what, and what is valid."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.catalog.models import Product
from app.extensions import db
from tests.factories import BrandFactory, CategoryFactory, ProductFactory, store_of
from tests.helpers import assert_problem

URL = "/api/v1/products"


@pytest.fixture
def category():
    return CategoryFactory(name="Phones")


def product_body(category, **overrides):
    body = {
        "name": "Tecno Spark 20",
        "description": "A 6.6 inch phone with a big battery.",
        "price": "15999.00",
        "compare_at_price": "17999",
        "stock": 25,
        "sku": "TS-20-BLK",
        "condition": "new",
        "category_id": category.id,
        "specifications": {"Battery": "5000 mAh"},
    }
    body.update(overrides)
    return body


def test_supplier_creates_product(client, supplier, category):
    brand = BrandFactory(name="Tecno")
    response = client.post(URL, json=product_body(category, brand_id=brand.id), headers=supplier.headers)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["slug"] == "tecno-spark-20"
    assert body["price"] == "15999.00" and body["compare_at_price"] == "17999.00"
    assert body["currency"] == "KES"
    store = store_of(supplier.user)
    assert body["seller"] == {"id": store.id, "name": store.name, "slug": store.slug}
    assert body["category"]["slug"] == "phones" and body["brand"]["slug"] == "tecno"
    assert body["images"] == [] and body["rating_count"] == 0 and body["rating_average"] == "0.00"
    stored = db.session.get(Product, body["id"])
    assert stored.price == Decimal("15999.00") and stored.seller_id == store.id


def test_admin_can_create_too_and_customer_cannot(client, admin, customer, category):
    assert client.post(URL, json=product_body(category), headers=admin.headers).status_code == 201
    assert_problem(client.post(URL, json=product_body(category), headers=customer.headers), 403, "forbidden")
    assert_problem(client.post(URL, json=product_body(category)), 401, "missing_token")


@pytest.mark.parametrize(
    "field,value",
    [
        ("price", "-5.00"),
        ("price", "0"),
        ("price", "12.345"),
        ("price", 12.5),
        ("price", "abc"),
        ("stock", 2.5),
        ("stock", -1),
        ("stock", "7"),
        ("compare_at_price", "100.00"),
        ("condition", "used"),
        ("category_id", 999999),
        ("brand_id", 999999),
        ("name", ""),
        ("sku", "has space"),
        ("seller_id", 1),
        ("slug", "mine"),
        ("rating_average", "5.00"),
    ],
)
def test_invalid_product_is_422(client, supplier, category, field, value):
    body = assert_problem(
        client.post(URL, json=product_body(category, **{field: value}), headers=supplier.headers),
        422,
        "validation_error",
    )
    assert field in body["errors"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Product)) == 0


def test_sku_unique_per_supplier(client, supplier, other_customer, category, admin):
    assert client.post(URL, json=product_body(category), headers=supplier.headers).status_code == 201
    assert_problem(
        client.post(URL, json=product_body(category, name="Other"), headers=supplier.headers), 409, "sku_taken"
    )
    # Another seller may use the same SKU.
    assert client.post(URL, json=product_body(category), headers=admin.headers).status_code == 201


def test_slugs_are_unique(client, supplier, category):
    first = client.post(URL, json=product_body(category), headers=supplier.headers).get_json()
    second = client.post(URL, json=product_body(category, sku="TS-20-BLU"), headers=supplier.headers).get_json()
    assert (first["slug"], second["slug"]) == ("tecno-spark-20", "tecno-spark-20-2")


def test_owner_updates_product_and_slug_is_stable(client, supplier, category):
    product = ProductFactory(supplier=supplier.user, category=category, name="Old Name", slug="old-name")
    response = client.patch(f"{URL}/{product.id}", json={"name": "New Name", "price": "900"}, headers=supplier.headers)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["slug"], body["price"]) == ("New Name", "old-name", "900.00")
    regenerated = client.patch(f"{URL}/{product.id}", json={"regenerate_slug": True}, headers=supplier.headers)
    assert regenerated.get_json()["slug"] == "new-name"


def test_patch_checks_compare_at_against_stored_price(client, supplier, category):
    product = ProductFactory(supplier=supplier.user, category=category, price=Decimal("1000.00"))
    response = client.patch(f"{URL}/{product.id}", json={"compare_at_price": "999.99"}, headers=supplier.headers)
    assert_problem(response, 422, "validation_error")


def test_other_supplier_gets_404_and_admin_may_edit(client, supplier, admin, category):
    from tests.conftest import Actor
    from tests.factories import UserFactory

    rival = Actor(UserFactory(role="supplier"))
    product = ProductFactory(supplier=supplier.user, category=category)
    for method in ("patch", "delete"):
        kwargs = {"json": {"price": "1.00"}} if method == "patch" else {}
        assert_problem(
            getattr(client, method)(f"{URL}/{product.id}", headers=rival.headers, **kwargs), 404, "product_not_found"
        )
    db.session.refresh(product)
    assert product.price == Decimal("1000.00") and product.is_active
    response = client.patch(f"{URL}/{product.id}", json={"stock": 3}, headers=admin.headers)
    assert response.status_code == 200 and response.get_json()["stock"] == 3


def test_delete_deactivates_and_hides_from_public(client, supplier, category):
    product = ProductFactory(supplier=supplier.user, category=category)
    assert client.get(f"{URL}/{product.id}").status_code == 200
    assert client.delete(f"{URL}/{product.id}", headers=supplier.headers).status_code == 204
    assert db.session.get(Product, product.id).is_active is False  # never hard-deleted
    assert_problem(client.get(f"{URL}/{product.id}"), 404, "product_not_found")
    assert_problem(client.get(f"{URL}/by-slug/{product.slug}"), 404, "product_not_found")
    assert client.get(URL).get_json()["meta"]["total"] == 0
    # Its owner can bring it back.
    assert client.patch(f"{URL}/{product.id}", json={"is_active": True}, headers=supplier.headers).status_code == 200
    assert client.get(f"{URL}/{product.id}").status_code == 200


def test_public_detail_by_id_and_slug(client, category):
    product = ProductFactory(category=category, name="Kiondo Basket", slug="kiondo-basket")
    by_id = client.get(f"{URL}/{product.id}").get_json()
    by_slug = client.get(f"{URL}/by-slug/kiondo-basket").get_json()
    assert by_id == by_slug
    assert by_id["name"] == "Kiondo Basket" and by_id["in_stock"] is True
    assert_problem(client.get(f"{URL}/999999"), 404, "product_not_found")


def test_new_products_are_priced_in_the_store_currency(client, supplier, category, app, monkeypatch):
    monkeypatch.setitem(app.config, "STORE_CURRENCY", "UGX")
    created = client.post(URL, json=product_body(category), headers=supplier.headers)
    assert created.status_code == 201 and created.get_json()["currency"] == "UGX"


def test_an_admin_lists_into_the_house_seller_and_a_supplier_without_a_store_cannot_list(client, admin, category, app):
    from tests.conftest import Actor
    from tests.factories import UserFactory

    made = client.post(URL, json=product_body(category), headers=admin.headers)
    assert made.status_code == 201, made.get_json()
    house = made.get_json()["seller"]
    assert house["name"] == app.config["STORE_NAME"]
    again = client.post(URL, json=product_body(category, sku="OTHER-1"), headers=admin.headers).get_json()
    assert again["seller"] == house  # one house seller
    storeless = Actor(UserFactory(role="supplier"))
    assert_problem(client.post(URL, json=product_body(category), headers=storeless.headers), 403, "not_a_seller")
