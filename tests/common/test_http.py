"""The HTTP layer every route shares: conditional GET, caching headers, compression, content
types, Location, unknown query parameters, 401 challenges and Retry-After."""

from __future__ import annotations

import gzip
import io

import brotli
import pytest
from werkzeug.http import parse_date

from app.errors import TITLES
from tests.catalog.test_images import png
from tests.factories import BrandFactory, CategoryFactory, ProductFactory
from tests.helpers import assert_problem, bearer


@pytest.fixture
def product(supplier):
    return ProductFactory(supplier=supplier.user, name="Tecno Spark 20", price="15999.00")


# Conditional GET ---------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/api/v1/products/{id}", "/api/v1/products", "/api/v1/categories", "/api/v1/brands"])
def test_a_repeated_conditional_get_is_304_without_a_body(client, product, url):
    BrandFactory(name="Tecno")
    first = client.get(url.format(id=product.id))
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert first.headers["Cache-Control"] == "public, max-age=60"

    again = client.get(url.format(id=product.id), headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == etag

    # Both answers are dated, as werkzeug's make_conditional dates them (RFC 9110 8.6).
    for answer in (first, again):
        assert parse_date(answer.headers["Date"]) is not None and len(answer.headers.getlist("Date")) == 1
    other = client.get(url.format(id=product.id), headers={"If-None-Match": 'W/"another"'})
    assert other.status_code == 200 and other.headers["ETag"] == etag


def test_a_price_change_changes_the_etag_of_the_page_and_the_listing_at_once(client, product, supplier):
    page = client.get(f"/api/v1/products/{product.id}")
    listing = client.get("/api/v1/products")
    changed = client.patch(f"/api/v1/products/{product.id}", json={"price": "14999.00"}, headers=supplier.headers)
    assert changed.status_code == 200

    for url, before in ((f"/api/v1/products/{product.id}", page), ("/api/v1/products", listing)):
        after = client.get(url, headers={"If-None-Match": before.headers["ETag"]})
        assert after.status_code == 200, url
        assert after.headers["ETag"] != before.headers["ETag"]
        assert "14999.00" in after.get_data(as_text=True)


def test_signed_in_catalog_reads_are_private_and_personal_data_is_never_stored(client, customer, product):
    assert client.get("/api/v1/products", headers=customer.headers).headers["Cache-Control"] == "private, max-age=60"
    assert client.get("/api/v1/me", headers=customer.headers).headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/me/addresses", headers=customer.headers).headers["Cache-Control"] == "no-store"
    login = client.post("/api/v1/auth/login", json={"email": customer.user.email, "password": customer.password})
    assert login.status_code == 200 and login.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/products/999999").headers["Cache-Control"] == "no-store"  # errors too


def test_a_cacheable_read_varies_by_origin_with_or_without_one(client, product):
    """A shared cache must not hand a browser the copy it kept for curl (no CORS headers), nor
    one origin's to another: every public read says `Vary: Origin`, in one header."""
    for headers in ({}, {"Origin": "http://localhost:3000"}, {"Origin": "https://elsewhere.example"}):
        for url in (f"/api/v1/products/{product.id}", "/api/v1/products", "/api/v1/categories"):
            response = client.get(url, headers={**headers, "Accept-Encoding": "gzip"})
            assert response.headers.getlist("Vary") == ["Origin, Accept-Encoding"], (url, headers)
    allowed = client.get("/api/v1/products", headers={"Origin": "http://localhost:3000"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    again = client.get("/api/v1/products", headers={"If-None-Match": allowed.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Vary"] == "Origin, Accept-Encoding"


def test_a_vary_name_is_added_once_to_one_header(app):
    from flask import Response

    from app.common.http import add_vary

    response = Response("x")
    add_vary(response, "Origin")
    add_vary(response, "origin")  # there already, in another case
    add_vary(response, "Accept-Encoding")
    assert response.headers.getlist("Vary") == ["Origin, Accept-Encoding"]


# Compression -------------------------------------------------------------------------------------


def test_large_listings_are_compressed_when_the_client_accepts_it(client):
    category = CategoryFactory(name="Phones")
    for n in range(30):
        ProductFactory(category=category, name=f"Phone model {n} with a long descriptive name")
    plain = client.get("/api/v1/products?per_page=30")
    assert "Content-Encoding" not in plain.headers

    zipped = client.get("/api/v1/products?per_page=30", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert len(zipped.get_data()) < len(plain.get_data()) / 3

    brotlied = client.get("/api/v1/products?per_page=30", headers={"Accept-Encoding": "br, gzip"})
    assert brotlied.headers["Content-Encoding"] == "br"
    assert brotli.decompress(brotlied.get_data()) == plain.get_data()

    # A compressed 200 still revalidates to 304 with the ETag it carried.
    again = client.get(
        "/api/v1/products?per_page=30", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize("size", [10, 1023, 1024, 5000])
@pytest.mark.parametrize("vary", [None, "Origin", "Origin, Accept-Encoding"])
def test_the_compression_hook_skipped_for_small_bodies_leaves_what_it_would(app, size, vary):
    from flask import jsonify

    from app.extensions import compress

    ours = next(hook for hook in app.after_request_funcs[None] if hook.__name__ == "compress")
    with app.test_request_context("/api/v1/products", headers={"Accept-Encoding": "gzip, br"}):
        made = []
        for hook in (ours, compress.after_request):
            response = jsonify({"a": "x" * (size - 9)})  # a body of `size` bytes
            if vary:
                response.headers["Vary"] = vary
            made.append(hook(response))
        assert [(list(r.headers), r.get_data()) for r in made][0] == (list(made[1].headers), made[1].get_data())
        assert ("Content-Encoding" in made[0].headers) is (size >= app.config["COMPRESS_MIN_SIZE"])


def test_small_bodies_are_not_compressed(client):
    response = client.get("/api/v1/health", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers


# Content types, Location, query strings ------------------------------------------------------------


def test_a_json_route_refuses_another_content_type_with_415(client, customer):
    response = client.post(
        "/api/v1/me/addresses",
        data="label=Home",
        content_type="application/x-www-form-urlencoded",
        headers=customer.headers,
    )
    body = assert_problem(response, 415, "unsupported_media_type")
    assert "application/json" in body["detail"]
    assert_problem(
        client.post("/api/v1/auth/login", data="{}", content_type="text/plain"), 415, "unsupported_media_type"
    )


def test_an_upload_route_refuses_json_with_415(client, customer):
    response = client.put("/api/v1/me/picture", json={"file": "x"}, headers=customer.headers)
    assert_problem(response, 415, "unsupported_media_type")


def test_content_type_is_checked_after_authentication(client):
    assert_problem(client.post("/api/v1/me/addresses", data="x", content_type="text/plain"), 401, "missing_token")


def test_an_upload_is_one_multipart_body_of_file_and_alt(client, supplier, product):
    response = client.post(
        f"/api/v1/products/{product.id}/images",
        data={"file": (io.BytesIO(png()), "a.png"), "alt": "Front"},
        headers=supplier.headers,
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["alt"] == "Front"
    assert response.headers["Location"] == f"/api/v1/products/{product.id}/images/{response.get_json()['id']}"

    extra = client.post(
        f"/api/v1/products/{product.id}/images",
        data={"file": (io.BytesIO(png()), "a.png"), "position": "0"},
        headers=supplier.headers,
    )
    assert assert_problem(extra, 422, "validation_error")["errors"] == {"position": ["Unknown field."]}


def test_created_resources_say_where_they_live(client, customer, supplier):
    address = client.post(
        "/api/v1/me/addresses",
        json={
            "label": "Home",
            "recipient": "W K",
            "phone": "0712345678",
            "county": "Nairobi",
            "town": "Nairobi",
            "street": "Moi Ave",
        },
        headers=customer.headers,
    )
    assert address.status_code == 201
    location = address.headers["Location"]
    assert location == f"/api/v1/me/addresses/{address.get_json()['id']}"
    assert client.get(location, headers=customer.headers).get_json() == address.get_json()

    category = CategoryFactory(name="Phones")
    product = client.post(
        "/api/v1/products",
        json={"name": "Phone", "price": "10.00", "stock": 1, "sku": "P-1", "category_id": category.id},
        headers=supplier.headers,
    )
    assert product.status_code == 201 and product.headers["Location"] == f"/api/v1/products/{product.get_json()['id']}"

    register = client.post(
        "/api/v1/auth/register",
        json={"name": "New", "email": "new@example.com", "password": "Mvua-Nyingi-2026", "accept_terms": True},
    )
    assert register.status_code == 201 and register.headers["Location"] == "/api/v1/me"


@pytest.mark.parametrize(
    "url", ["/api/v1/categories?depth=2", "/api/v1/products/by-slug/x?debug=1", "/api/v1/health?x=1"]
)
def test_unknown_query_parameters_are_422_on_routes_that_read_none(client, url):
    body = assert_problem(client.get(url), 422, "validation_error")
    assert list(body["errors"]) == [url.split("?")[1].split("=")[0]]


def test_unknown_query_parameters_are_422_on_private_routes_too(client, customer):
    body = assert_problem(client.get("/api/v1/me?fields=email", headers=customer.headers), 422, "validation_error")
    assert body["errors"] == {"fields": ["Unknown field."]}


# Errors ------------------------------------------------------------------------------------------


def test_a_401_carries_a_bearer_challenge_and_no_decoder_internals(client):
    missing = client.get("/api/v1/me")
    assert_problem(missing, 401, "missing_token")
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="duka"'

    forged = client.get("/api/v1/me", headers=bearer("not-a-jwt"))
    body = assert_problem(forged, 401, "invalid_token")
    assert forged.headers["WWW-Authenticate"] == 'Bearer realm="duka", error="invalid_token"'
    assert "segment" not in body["detail"].lower()

    wrong = client.post("/api/v1/auth/login", json={"email": "nobody@example.com", "password": "Whatever-123"})
    assert_problem(wrong, 401, "invalid_credentials")
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")


def test_one_title_per_problem_code(client, customer):
    from_webargs = client.post("/api/v1/me/addresses", json={}, headers=customer.headers).get_json()
    from_service = client.patch("/api/v1/me", json={"date_of_birth": "2999-01-01"}, headers=customer.headers).get_json()
    assert from_webargs["code"] == from_service["code"] == "validation_error"
    assert from_webargs["title"] == from_service["title"] == TITLES["validation_error"]


def test_retry_after_only_on_429(client, app):
    ok = client.post("/api/v1/auth/forgot-password", json={"email": "someone@example.com"})
    assert ok.status_code == 202
    assert "X-RateLimit-Limit" in ok.headers
    assert "Retry-After" not in ok.headers
    limit = int(ok.headers["X-RateLimit-Limit"])
    for _ in range(limit):
        last = client.post("/api/v1/auth/forgot-password", json={"email": "someone@example.com"})
    assert_problem(last, 429, "rate_limited")
    assert int(last.headers["Retry-After"]) > 0


# Response headers --------------------------------------------------------------------------------


def test_response_headers_answer_as_werkzeugs_do_without_raising_for_absent_names():
    from werkzeug.datastructures import Headers

    from app.common.http import ResponseHeaders

    pairs = [("Content-Type", "application/json"), ("Vary", "Accept-Encoding"), ("X-Count", "7")]
    ours, theirs = ResponseHeaders(pairs), Headers(pairs)
    for name in ("content-type", "VARY", "X-Count", "X-Absent", "Etag"):
        assert ours.get(name) == theirs.get(name) and (name in ours) == (name in theirs)
        assert ours.get(name, "fallback") == theirs.get(name, "fallback")
    assert ours.get("X-Count", type=int) == 7 and ours.get("Vary", type=int) is None  # werkzeug's conversion
    assert ours.setdefault("X-New", "1") == theirs.setdefault("X-New", "1") == "1" and ours["X-New"] == "1"
    assert ours.setdefault("x-count", "8") == theirs.setdefault("x-count", "8") == "7"
    for name in ("X-Absent", "vary"):  # absent, then present (and removed)
        assert ours.pop(name, None) == theirs.pop(name, None)
        assert (name in ours) == (name in theirs)
    with pytest.raises(KeyError):
        ours.pop("X-Absent")
    assert ours.pop() == theirs.pop() and ours.pop(0) == theirs.pop(0)  # by position, as werkzeug's


def test_query_arguments_answer_as_werkzeugs_do():
    from werkzeug.datastructures import ImmutableMultiDict

    from app.common.http import QueryArgs

    pairs = [("page", "2"), ("brand", "a"), ("brand", "b"), ("q", "")]
    ours, theirs = QueryArgs(pairs), ImmutableMultiDict(pairs)
    for name in ("page", "brand", "q", "absent"):
        assert ours.get(name) == theirs.get(name) and ours.get(name, "x") == theirs.get(name, "x")
        assert ours.get(name, 0, type=int) == theirs.get(name, 0, type=int)
        assert ours.getlist(name) == theirs.getlist(name)


def test_absent_headers_cost_the_app_no_exception(app, client):
    """A catalog read's hooks pop, set by default and look up absent headers, and its query
    schema asks for parameters not sent: none of it raises (werkzeug builds and catches a
    BadRequestKeyError for each)."""
    import traceback

    from werkzeug import exceptions

    raised: list[str] = []
    original = exceptions.BadRequestKeyError.__init__

    def counting(self, *args, **kwargs):
        caller = traceback.extract_stack(limit=4)[0]  # what asked the headers
        if "werkzeug/test.py" not in caller.filename:  # (the test client's own)
            raised.append(f"{args} from {caller.filename}:{caller.lineno}")
        original(self, *args, **kwargs)

    client.get("/api/v1/products")
    exceptions.BadRequestKeyError.__init__ = counting
    try:
        assert client.get("/api/v1/products").status_code == 200
    finally:
        exceptions.BadRequestKeyError.__init__ = original
    assert raised == []


def test_every_response_of_the_app_has_them(app):
    from flask import jsonify

    from app.common.http import ResponseHeaders

    with app.test_request_context():
        made = app.make_response(({"a": 1}, 201, {"X-Test": "1"}))
        assert isinstance(made.headers, ResponseHeaders) and made.headers["X-Test"] == "1"
        assert isinstance(jsonify({"a": 1}).headers, ResponseHeaders)
