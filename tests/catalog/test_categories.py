"""Categories (a tree) and brands."""

from __future__ import annotations

import pytest

from app.catalog.models import Category
from app.extensions import db
from tests.factories import BrandFactory, CategoryFactory, ProductFactory
from tests.helpers import assert_problem, fetch, multipart


def test_tree_nests_children_and_hides_inactive(client):
    root = CategoryFactory(name="Electronics")
    phones = CategoryFactory(name="Phones", parent_id=root.id)
    CategoryFactory(name="Android", parent_id=phones.id)
    CategoryFactory(name="Hidden", parent_id=root.id, is_active=False)
    body = client.get("/api/v1/categories").get_json()
    [electronics] = body
    assert electronics["slug"] == "electronics"
    [phones_node] = electronics["children"]
    assert phones_node["name"] == "Phones"
    assert [c["name"] for c in phones_node["children"]] == ["Android"]


def test_category_by_slug_with_subtree(client):
    root = CategoryFactory(name="Crafts")
    CategoryFactory(name="Beadwork", parent_id=root.id)
    body = client.get("/api/v1/categories/by-slug/crafts").get_json()
    assert body["name"] == "Crafts" and [c["slug"] for c in body["children"]] == ["beadwork"]
    assert_problem(client.get("/api/v1/categories/by-slug/nope"), 404, "category_not_found")


def test_admin_creates_category_with_unique_slug(client, admin):
    CategoryFactory(name="Kitchen")
    response = client.post("/api/v1/categories", json={"name": "Kitchen"}, headers=admin.headers)
    assert response.status_code == 201
    assert response.get_json()["slug"] == "kitchen-2"


def test_create_under_parent_and_unknown_parent(client, admin):
    root = CategoryFactory()
    child = client.post("/api/v1/categories", json={"name": "Sub", "parent_id": root.id}, headers=admin.headers)
    assert child.get_json()["parent_id"] == root.id
    body = assert_problem(
        client.post("/api/v1/categories", json={"name": "X", "parent_id": 999999}, headers=admin.headers),
        422,
        "validation_error",
    )
    assert "parent_id" in body["errors"]


def test_category_cannot_move_under_its_descendant(client, admin):
    root = CategoryFactory()
    child = CategoryFactory(parent_id=root.id)
    grandchild = CategoryFactory(parent_id=child.id)
    response = client.patch(f"/api/v1/categories/{root.id}", json={"parent_id": grandchild.id}, headers=admin.headers)
    assert_problem(response, 422, "validation_error")
    response = client.patch(f"/api/v1/categories/{root.id}", json={"parent_id": root.id}, headers=admin.headers)
    assert_problem(response, 422, "validation_error")


def test_rename_keeps_slug_unless_asked(client, admin):
    category = CategoryFactory(name="Old")
    renamed = client.patch(f"/api/v1/categories/{category.id}", json={"name": "New"}, headers=admin.headers).get_json()
    assert (renamed["name"], renamed["slug"]) == ("New", "old")
    again = client.patch(
        f"/api/v1/categories/{category.id}", json={"regenerate_slug": True}, headers=admin.headers
    ).get_json()
    assert again["slug"] == "new"


def test_delete_empty_category_and_refuse_used_one(client, admin):
    empty_id = CategoryFactory().id
    assert client.delete(f"/api/v1/categories/{empty_id}", headers=admin.headers).status_code == 204
    assert db.session.get(Category, empty_id) is None
    used = CategoryFactory()
    ProductFactory(category=used)
    assert_problem(client.delete(f"/api/v1/categories/{used.id}", headers=admin.headers), 409, "in_use")
    assert_problem(client.delete("/api/v1/categories/999999", headers=admin.headers), 404, "category_not_found")


@pytest.mark.parametrize("who", ["customer", "supplier"])
def test_only_admins_manage_categories_and_brands(client, request, who):
    actor = request.getfixturevalue(who)
    category, brand = CategoryFactory(), BrandFactory()
    for method, url in [
        ("post", "/api/v1/categories"),
        ("patch", f"/api/v1/categories/{category.id}"),
        ("delete", f"/api/v1/categories/{category.id}"),
        ("post", "/api/v1/brands"),
        ("patch", f"/api/v1/brands/{brand.id}"),
        ("delete", f"/api/v1/brands/{brand.id}"),
    ]:
        response = getattr(client, method)(
            url, json={"name": "x"} if method != "delete" else None, headers=actor.headers
        )
        assert_problem(response, 403, "forbidden")


def test_bad_category_input_is_422(client, admin):
    for body in ({}, {"name": ""}, {"name": "x" * 121}, {"name": "ok", "slug": "chosen"}):
        assert_problem(client.post("/api/v1/categories", json=body, headers=admin.headers), 422, "validation_error")


def test_brands_crud(client, admin):
    created = client.post("/api/v1/brands", json={"name": "Tecno Mobile"}, headers=admin.headers)
    assert created.status_code == 201
    brand = created.get_json()
    assert brand["slug"] == "tecno-mobile"
    assert [b["name"] for b in client.get("/api/v1/brands").get_json()["items"]] == ["Tecno Mobile"]
    patched = client.patch(f"/api/v1/brands/{brand['id']}", json={"description": "Phones"}, headers=admin.headers)
    assert patched.get_json()["description"] == "Phones"
    assert client.delete(f"/api/v1/brands/{brand['id']}", headers=admin.headers).status_code == 204
    assert client.get("/api/v1/brands").get_json()["items"] == []


def test_brand_in_use_cannot_be_deleted(client, admin):
    brand = BrandFactory()
    ProductFactory(brand=brand)
    assert_problem(client.delete(f"/api/v1/brands/{brand.id}", headers=admin.headers), 409, "in_use")


def test_admin_uploads_category_image_and_brand_logo(client, admin, customer):
    import io

    from PIL import Image

    def png() -> io.BytesIO:
        buffer = io.BytesIO()
        Image.new("RGB", (300, 200), (0, 90, 180)).save(buffer, format="PNG")
        buffer.seek(0)
        return buffer

    category, brand = CategoryFactory(name="Crafts"), BrandFactory(name="Kazuri")
    response = client.put(
        f"/api/v1/categories/{category.id}/image", headers=admin.headers, **multipart(file=(png().getvalue(), "c.png"))
    )
    assert response.status_code == 200
    url = response.get_json()["image_url"]
    assert url.startswith("/media/categories/") and fetch(client, url)[0] == 200
    assert client.get("/api/v1/categories/by-slug/crafts").get_json()["image_url"] == url
    logo = client.put(
        f"/api/v1/brands/{brand.id}/logo",
        data={"file": (png(), "b.png")},
        headers=admin.headers,
        content_type="multipart/form-data",
    )
    assert logo.status_code == 200 and logo.get_json()["logo_url"].startswith("/media/brands/")
    bad = client.put(
        f"/api/v1/brands/{brand.id}/logo",
        data={"file": (io.BytesIO(b"nope"), "b.png")},
        headers=admin.headers,
        content_type="multipart/form-data",
    )
    assert_problem(bad, 422, "validation_error")
    denied = client.put(
        f"/api/v1/brands/{brand.id}/logo",
        data={"file": (png(), "b.png")},
        headers=customer.headers,
        content_type="multipart/form-data",
    )
    assert_problem(denied, 403, "forbidden")
