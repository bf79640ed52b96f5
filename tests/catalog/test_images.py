"""Product images: upload with thumbnail, primary, order, delete."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.factories import ProductFactory, store_of
from tests.helpers import assert_problem, fetch, multipart


def png(size=(900, 600)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(client, actor, product_id, data: bytes | None = None, alt: str | None = None):
    form = {"file": (data or png(), "photo.png")}
    if alt is not None:
        form["alt"] = alt
    return client.post(f"/api/v1/products/{product_id}/images", headers=actor.headers, **multipart(**form))


@pytest.fixture
def product(supplier):
    return ProductFactory(supplier=supplier.user)


def test_upload_makes_image_and_thumbnail_first_is_primary(client, supplier, product, app):
    response = upload(client, supplier, product.id, alt="Front view")
    assert response.status_code == 201, response.get_json()
    image = response.get_json()
    assert image["is_primary"] is True and image["alt"] == "Front view" and image["position"] == 0
    thumb = Image.open(io.BytesIO(fetch(client, image["thumbnail_url"])[1]))
    assert max(thumb.size) == 400
    full = Image.open(io.BytesIO(fetch(client, image["url"])[1]))
    assert full.size == (900, 600)
    second = upload(client, supplier, product.id).get_json()
    assert second["is_primary"] is False and second["position"] == 1
    listed = client.get(f"/api/v1/products/{product.id}").get_json()["images"]
    assert [i["id"] for i in listed] == [image["id"], second["id"]]


def test_make_another_image_primary_and_reorder(client, supplier, product):
    first = upload(client, supplier, product.id).get_json()
    second = upload(client, supplier, product.id).get_json()
    url = f"/api/v1/products/{product.id}/images/{second['id']}"
    response = client.patch(url, json={"is_primary": True, "position": 0, "alt": "Side"}, headers=supplier.headers)
    assert response.status_code == 200
    images = client.get(f"/api/v1/products/{product.id}").get_json()["images"]
    primary = [i["id"] for i in images if i["is_primary"]]
    assert primary == [second["id"]]
    assert first["id"] in [i["id"] for i in images]
    assert_problem(client.patch(url, json={"is_primary": False}, headers=supplier.headers), 422, "validation_error")


def test_listing_card_shows_the_primary_image(client, supplier, product):
    def card() -> dict:
        items = client.get("/api/v1/products").get_json()["items"]
        return next(item for item in items if item["id"] == product.id)

    assert card()["image"] is None
    first = upload(client, supplier, product.id, alt="Front").get_json()
    second = upload(client, supplier, product.id, alt="Back").get_json()
    assert card()["image"] == {"url": first["url"], "thumbnail_url": first["thumbnail_url"], "alt": "Front"}
    client.patch(
        f"/api/v1/products/{product.id}/images/{second['id']}", json={"is_primary": True}, headers=supplier.headers
    )
    assert card()["image"]["url"] == second["url"]
    # A card is not the product page: no description, gallery or stock count.
    assert set(card()) == {
        "id",
        "name",
        "slug",
        "price",
        "compare_at_price",
        "currency",
        "in_stock",
        "condition",
        "category",
        "brand",
        "seller",
        "image",
        "rating_average",
        "rating_count",
    }


def test_two_primary_images_are_refused_by_the_database(db_session, product):
    from sqlalchemy.exc import IntegrityError

    from app.catalog.models import ProductImage

    for position in (0, 1):
        db_session.add(
            ProductImage(
                product_id=product.id, path=f"p{position}", thumbnail_path="t", position=position, is_primary=True
            )
        )
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_delete_primary_promotes_next_and_removes_files(client, supplier, product, app):
    first = upload(client, supplier, product.id).get_json()
    second = upload(client, supplier, product.id).get_json()
    response = client.delete(f"/api/v1/products/{product.id}/images/{first['id']}", headers=supplier.headers)
    assert response.status_code == 204
    images = client.get(f"/api/v1/products/{product.id}").get_json()["images"]
    assert [(i["id"], i["is_primary"]) for i in images] == [(second["id"], True)]
    assert not (Path(app.config["MEDIA_ROOT"]) / first["url"].removeprefix("/media/")).exists()
    missing = client.delete(f"/api/v1/products/{product.id}/images/{first['id']}", headers=supplier.headers)
    assert_problem(missing, 404, "image_not_found")


def test_not_an_image_is_422_and_big_is_413(client, supplier, product, app):
    assert_problem(upload(client, supplier, product.id, b"GIF89a-not-really"), 422, "validation_error")
    assert_problem(
        upload(client, supplier, product.id, png() + b"\0" * app.config["MAX_IMAGE_BYTES"]), 413, "payload_too_large"
    )


def test_image_of_another_products_id_is_404(client, supplier, product):
    other = ProductFactory(supplier=supplier.user)
    image = upload(client, supplier, other.id).get_json()
    response = client.patch(
        f"/api/v1/products/{product.id}/images/{image['id']}", json={"alt": "x"}, headers=supplier.headers
    )
    assert_problem(response, 404, "image_not_found")


def test_customer_cannot_upload(client, customer, product):
    assert_problem(upload(client, customer, product.id), 403, "forbidden")


def test_public_page_shows_what_the_owner_sees(client, supplier, product):
    # The public page is read as rows, the owner's view as ORM objects: one schema, same JSON.
    first = upload(client, supplier, product.id, alt="Front").get_json()
    second = upload(client, supplier, product.id, alt="Back").get_json()
    client.patch(f"/api/v1/products/{product.id}/images/{first['id']}", json={"position": 5}, headers=supplier.headers)
    owner = client.patch(
        f"/api/v1/products/{product.id}", json={"specifications": {"Colour": "Green"}}, headers=supplier.headers
    ).get_json()
    public = client.get(f"/api/v1/products/{product.id}").get_json()
    assert public == owner
    assert [(i["id"], i["alt"], i["is_primary"]) for i in public["images"]] == [
        (second["id"], "Back", False),
        (first["id"], "Front", True),
    ]
    store = store_of(supplier.user)
    assert public["seller"] == {"id": store.id, "name": store.name, "slug": store.slug}
    assert public["specifications"] == {"Colour": "Green"}


def test_a_product_holds_at_most_twelve_images(client, supplier, product, app):
    from pathlib import Path

    from app.catalog.services.images import MAX_IMAGES

    assert MAX_IMAGES == 12
    for _ in range(MAX_IMAGES):
        assert upload(client, supplier, product.id).status_code == 201
    media = Path(app.config["MEDIA_ROOT"])
    files_before = sorted(media.rglob("*.webp"))
    assert_problem(upload(client, supplier, product.id), 409, "too_many_images")
    assert sorted(media.rglob("*.webp")) == files_before  # the refused upload left no file
    assert len(client.get(f"/api/v1/products/{product.id}").get_json()["images"]) == MAX_IMAGES
