"""PUT /me/picture and the media route."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from tests.helpers import assert_problem, fetch, multipart

URL = "/api/v1/me/picture"


def image_bytes(fmt: str = "PNG", size=(64, 48), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(client, actor, data: bytes, filename: str = "me.png"):
    return client.put(URL, headers=actor.headers, **multipart(file=(data, filename)))


def test_upload_png_sets_picture_url_and_serves_reencoded_file(client, customer, app):
    response = upload(client, customer, image_bytes("PNG"))
    assert response.status_code == 200
    url = response.get_json()["picture_url"]
    assert url.startswith("/media/avatars/") and url.endswith(".webp")
    status, served = fetch(client, url)
    assert status == 200
    assert Image.open(io.BytesIO(served)).format == "WEBP"
    assert client.get("/api/v1/me", headers=customer.headers).get_json()["picture_url"] == url


def test_jpeg_and_webp_are_accepted(client, customer):
    assert upload(client, customer, image_bytes("JPEG"), "a.jpg").status_code == 200
    assert upload(client, customer, image_bytes("WEBP"), "a.webp").status_code == 200


def test_new_picture_replaces_the_old_file(client, customer, app):
    first = upload(client, customer, image_bytes()).get_json()["picture_url"]
    upload(client, customer, image_bytes(color=(0, 0, 255)))
    old_file = Path(app.config["MEDIA_ROOT"]) / first.removeprefix("/media/")
    assert not old_file.exists()


def test_png_that_is_not_an_image_is_422(client, customer):
    body = assert_problem(upload(client, customer, b"<?php echo 'hi'; ?>", "evil.png"), 422, "validation_error")
    assert "file" in body["errors"]


def test_other_image_formats_are_422(client, customer):
    assert_problem(upload(client, customer, image_bytes("GIF"), "a.gif"), 422, "validation_error")


def test_over_5_mb_is_413(client, customer, app):
    big = image_bytes() + b"\0" * (app.config["MAX_IMAGE_BYTES"])
    assert_problem(upload(client, customer, big), 413, "payload_too_large")


def test_missing_file_is_422(client, customer):
    response = client.put(URL, data={}, headers=customer.headers, content_type="multipart/form-data")
    body = assert_problem(response, 422, "validation_error")
    assert "file" in body["errors"]


def test_upload_needs_a_token(client):
    response = client.put(URL, data={"file": (io.BytesIO(image_bytes()), "a.png")}, content_type="multipart/form-data")
    assert_problem(response, 401, "missing_token")


def test_media_route_refuses_path_escape(client):
    assert client.get("/media/../config.py").status_code == 404
    assert client.get("/media/%2e%2e/app/config.py").status_code == 404


def test_media_is_served_with_nosniff_and_a_long_max_age(client, customer):
    url = upload(client, customer, image_bytes("PNG")).get_json()["picture_url"]
    with client.get(url) as served:
        assert served.status_code == 200 and served.mimetype == "image/webp"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "max-age=86400" in served.headers["Cache-Control"]


def test_a_text_field_named_file_is_422_not_a_server_error(client, customer):
    response = client.put(
        URL, headers=customer.headers, data={"file": "not a file"}, content_type="multipart/form-data"
    )
    body = assert_problem(response, 422, "validation_error")
    assert list(body["errors"]) == ["file"]


def test_an_image_over_the_pixel_budget_is_refused_before_it_is_decoded(client, customer, monkeypatch):
    from PIL import Image as PilImage

    # 8900 x 8900 RGBA compresses to ~300 KB of PNG and would decode to ~320 MB.
    bomb = io.BytesIO()
    PilImage.new("RGBA", (8900, 8900), (0, 0, 0, 0)).save(bomb, format="PNG", optimize=True)
    assert len(bomb.getvalue()) < 2 * 1024 * 1024
    decoded: list[object] = []
    monkeypatch.setattr(PilImage.Image, "load", lambda self, *a: decoded.append(self) or None)
    body = assert_problem(upload(client, customer, bomb.getvalue()), 422, "validation_error")
    assert "more than 25 megapixels" in body["errors"]["file"][0]
    assert decoded == []  # refused from the header


def test_a_tall_narrow_image_over_the_side_limit_is_refused(client, customer):
    body = assert_problem(upload(client, customer, image_bytes("PNG", size=(10_001, 10))), 422, "validation_error")
    assert "10001 x 10" in body["errors"]["file"][0]
