"""Hostile bodies against every operation of the OpenAPI document, as an admin (every route
reachable) and anonymously: nothing is a server error, whatever route is added later.

Deep nesting, lone surrogates, NUL characters, huge strings and wrong types in every field of
every JSON body; the same in multipart form fields; a missing body."""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest

from tests.helpers import assert_problem

DEEP = "[" * 1000 + "]" * 1000
HOSTILE_VALUES: list[Any] = ["\ud800", "a\x00b", "x" * 100_000, [], {}, 1.5, -1, True, None, {"a": [{"b": "\udfff"}]}]


@pytest.fixture(scope="module")
def spec(app) -> dict[str, Any]:
    return app.test_client().get("/api/v1/openapi.json").get_json()


def json_operations(spec: dict[str, Any]):
    for path, item in spec["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method, op in item.items():
            content = op.get("requestBody", {}).get("content", {}) if isinstance(op, dict) else {}
            for mimetype, body in content.items():
                ref = body["schema"]["$ref"].rsplit("/", 1)[1]
                yield url, method, mimetype, list(spec["components"]["schemas"][ref].get("properties", {}))


def send(client, url, method, headers, **kwargs):
    response = client.open(url, method=method.upper(), headers=headers, **kwargs)
    assert response.status_code < 500, (
        method,
        url,
        str(kwargs.get("data", ""))[:80],
        response.get_data(as_text=True)[:300],
    )
    return response


@pytest.mark.parametrize("who", ["admin", "anonymous"])
def test_no_operation_answers_a_hostile_body_with_a_server_error(client, spec, admin, who):
    headers = admin.headers if who == "admin" else {}
    checked = 0
    for url, method, mimetype, fields in json_operations(spec):
        if mimetype == "application/json":
            send(client, url, method, headers, data=DEEP, content_type=mimetype)
            send(client, url, method, headers)  # no body at all
            for field in fields:
                for value in HOSTILE_VALUES:
                    send(client, url, method, headers, data=json.dumps({field: value}), content_type=mimetype)
        else:
            for field in fields:
                for value in ("\x00", "x" * 100_000, "\u00e9\u202e"):  # a client cannot encode a lone surrogate here
                    send(client, url, method, headers, data={field: value}, content_type=mimetype)
        checked += 1
    assert checked >= 25  # every operation with a body, today 29


def test_deep_nesting_is_400_malformed_json_before_any_handler(client):
    body = assert_problem(
        client.post("/api/v1/auth/login", data=DEEP, content_type="application/json"), 400, "malformed_json"
    )
    assert "32" in body["detail"]
    nested = '{"email": ' + "[" * 40 + "]" * 40 + "}"
    assert_problem(
        client.post("/api/v1/auth/register", data=nested, content_type="application/json"), 400, "malformed_json"
    )


def test_lone_surrogates_and_nul_are_422_naming_the_field(client, customer):
    for value, message in (("\ud800", "Must be valid Unicode text."), ("a\x00", "Must not contain NUL characters.")):
        response = client.patch(
            "/api/v1/me", data=json.dumps({"name": value}), content_type="application/json", headers=customer.headers
        )
        assert assert_problem(response, 422, "validation_error")["errors"] == {"name": [message]}


def test_json_booleans_are_true_or_false_only(client, customer, admin):
    response = client.post(
        "/api/v1/me/addresses",
        headers=customer.headers,
        json={
            "label": "Home",
            "recipient": "W",
            "phone": "0712345678",
            "county": "Nairobi",
            "town": "T",
            "street": "S",
            "is_default": 0,
        },
    )
    assert assert_problem(response, 422, "validation_error")["errors"] == {
        "is_default": ["Not a valid boolean: send true or false."]
    }
    assert_problem(
        client.post("/api/v1/categories", json={"name": "C", "is_active": 1}, headers=admin.headers),
        422,
        "validation_error",
    )
    assert client.get("/api/v1/products?in_stock=true").status_code == 200  # query strings still say true


def test_a_body_is_required_where_the_document_says_so(client, customer):
    for kwargs in ({}, {"data": "", "content_type": "application/json"}):
        response = client.post("/api/v1/me/addresses", headers=customer.headers, **kwargs)
        assert assert_problem(response, 422, "validation_error")["errors"] == {
            "body": ["Send a application/json body."]
        }
    assert client.patch("/api/v1/me", headers=customer.headers).status_code == 200  # every field optional


def _as_someone_allowed(client, actors, url, method, **kwargs):
    """The answer to the first of `actors` whose role may call the operation (not 401/403)."""
    for actor in actors:
        headers = {**actor.headers, "Idempotency-Key": str(uuid.uuid4())}  # checkout asks for one first
        response = client.open(url, method=method.upper(), headers=headers, **kwargs)
        if response.status_code not in (401, 403):
            return response
    return response


def test_bodies_whose_fields_are_all_optional_may_be_left_out_and_null_is_never_a_body(
    client, spec, customer, admin, supplier
):
    """POST /orders/{id}/cancel or /returns/{id}/approve without a body was 422 "needs a body";
    `null` was read as {}. Every operation with a JSON body, present and future."""
    actors = (customer, admin, supplier)
    checked = optional = 0
    for path, item in spec["paths"].items():
        url = re.sub(r"\{[^}]+\}", "1", path)
        for method, op in item.items():
            body = op.get("requestBody") if isinstance(op, dict) else None
            if not body or "application/json" not in body["content"]:
                continue
            ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
            needs_fields = bool(spec["components"]["schemas"][ref].get("required"))
            assert body.get("required", False) == needs_fields, (method, path)
            null = _as_someone_allowed(client, actors, url, method, data="null", content_type="application/json")
            assert null.status_code == 422 and null.get_json()["errors"] == {
                "body": ["Send a JSON object, not null."]
            }, (
                method,
                path,
                null.get_json(),
            )
            if not needs_fields:
                bare = _as_someone_allowed(client, actors, url, method)
                assert "body" not in (bare.get_json() or {}).get("errors", {}), (method, path, bare.get_json())
                optional += 1
            checked += 1
    assert checked >= 30 and optional >= 8


# Headers a provider's delivery carries, so that a route reading a raw body gets past its
# header checks to the body (PayPal's signing headers; a Paystack signature is checked first).
PROVIDER_HEADERS = {
    "PAYPAL-AUTH-ALGO": "SHA256withRSA",
    "PAYPAL-CERT-URL": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-1",
    "PAYPAL-TRANSMISSION-ID": "103e3700-8b0c-11e6-8695-6b62a8a99ac4",
    "PAYPAL-TRANSMISSION-SIG": "c2lnbmF0dXJl",
    "PAYPAL-TRANSMISSION-TIME": "2026-12-02T08:12:26Z",
}
NOT_JSON = [DEEP, '{"a": NaN}', '{"a": Infinity}', '{"a": 1e400}', '{"a": ' + "9" * 5000 + "}"]


def test_every_route_that_reads_a_body_refuses_hostile_json_without_a_server_error(app, client, admin):
    """Routes outside the document's request bodies too (provider callbacks read their raw body,
    one behind a secret in its path): every rule of the URL map, present and future."""
    headers = {**admin.headers, **PROVIDER_HEADERS}
    secret = app.config["MPESA_CALLBACK_SECRET"]
    checked = 0
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}):
            url = re.sub(r"<(?:[^:>]+:)?secret>", secret, rule.rule)
            url = re.sub(r"<int:[^>]+>", "1", url)
            url = re.sub(r"<[^>]+>", "x", url)
            for body in NOT_JSON:
                send(client, url, method, headers, data=body, content_type="application/json")
            checked += 1
    assert checked >= 60


@pytest.mark.parametrize("body", NOT_JSON[1:], ids=["NaN", "Infinity", "1e400", "5000 digits"])
def test_what_is_no_json_is_400_malformed_json(client, body):
    assert_problem(client.post("/api/v1/auth/login", data=body, content_type="application/json"), 400, "malformed_json")


def test_nothing_but_the_checked_parser_reads_json():
    """One parser for every body a client or provider sends (app/common/bodies.py)."""
    from pathlib import Path

    app_dir = Path(__file__).resolve().parents[2] / "app"
    offenders = [
        str(path.relative_to(app_dir))
        for path in app_dir.rglob("*.py")
        if path.name != "bodies.py" and re.search(r"\bjson\.loads?\(", path.read_text())
    ]
    assert offenders == []
