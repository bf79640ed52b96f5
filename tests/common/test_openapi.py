"""The OpenAPI document's conventions, checked over every operation so routes added later keep
them (the validators, linters and generators run in CI too: make contract)."""

from __future__ import annotations

import re
from typing import Any

import pytest

OPERATION_ID = re.compile(
    r"^(list|get|create|update|delete|set|add|change|export|deactivate)[A-Z][A-Za-z]*$|^[a-z]+[A-Za-z]*$"
)
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def spec(app) -> dict[str, Any]:
    return app.test_client().get("/api/v1/openapi.json").get_json()


def operations(spec: dict[str, Any]):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_operation_has_a_unique_camel_case_id_a_summary_and_a_description(spec):
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids))
    for path, method, op in operations(spec):
        assert OPERATION_ID.match(op["operationId"]), (path, method, op["operationId"])
        assert op.get("summary") and op.get("description"), (path, method)


def test_security_and_its_errors_are_documented_on_every_operation(spec, app):
    from tests.test_route_guards import PUBLIC

    public = {
        (rule.replace("<int:", "{").replace("<", "{").replace(">", "}"), method.lower()) for rule, method in PUBLIC
    }
    assert spec["security"] == [{}, {"bearerAuth": []}]  # the default: a token is optional
    for path, method, op in operations(spec):
        responses = op["responses"]
        if "security" not in op:  # inherits the default (generated clients then accept a guest)
            assert (path, method) in public and "401" in responses, (path, method)
            if path.startswith("/api/v1/cart"):
                headers = [p["name"] for p in op["parameters"] if p["in"] == "header"]
                assert "X-Cart-Token" in headers, (path, method)
        elif path.startswith(
            ("/api/v1/payments/mpesa/callback/", "/api/v1/payments/paystack/webhook", "/api/v1/payments/paypal/webhook")
        ):
            assert op["security"] == [], (path, method)  # the providers' calls: a secret or a signature guards them
        elif (path, method) == ("/api/v1/auth/refresh", "post"):
            assert op["security"] == [{"bearerAuth": []}]  # the refresh token is its Bearer token
        elif (path, method) in public:
            assert op["security"] == [], (path, method)
        else:
            assert op["security"] == [{"bearerAuth": []}], (path, method)
            assert "401" in responses, (path, method)
        if "{" in path:
            assert "404" in responses, (path, method)
        assert "422" in responses and "default" in responses, (path, method)
        body = op.get("requestBody", {}).get("content", {})
        if body:
            assert "415" in responses, (path, method)
        if "201" in responses:
            assert "Location" in responses["201"]["headers"], (path, method)


def test_role_guarded_operations_document_403(spec):
    guarded = {
        ("/api/v1/admin/users", "get"),
        ("/api/v1/products", "post"),
        ("/api/v1/categories", "post"),
        ("/api/v1/brands/{brand_id}", "delete"),
    }
    documented = {(path, method) for path, method, op in operations(spec) if "403" in op["responses"]}
    assert guarded <= documented
    assert ("/api/v1/me", "get") not in documented


def test_response_schemas_list_their_fields_as_required_and_allow_new_ones(spec):
    schemas = spec["components"]["schemas"]
    for name, schema in schemas.items():
        if name.endswith("Out"):
            assert "additionalProperties" not in schema, name
            assert set(schema["properties"]) - set(schema.get("required", [])) <= {"errors", "request_id"}, name
        elif name.endswith(("In", "Patch")):
            assert schema.get("additionalProperties") is False, name
    card = schemas["ProductCardOut"]["properties"]
    assert card["in_stock"] == {"type": "boolean"}
    assert card["brand"]["anyOf"] == [{"$ref": "#/components/schemas/RefOut"}, {"type": "null"}]
    assert card["condition"]["enum"] == ["new", "refurbished"]
    assert schemas["ProfileOut"]["properties"]["role"]["enum"] == ["customer", "supplier", "admin"]


def test_uploads_are_one_multipart_body_and_reads_are_conditional(spec):
    upload = spec["paths"]["/api/v1/products/{product_id}/images"]["post"]
    assert "parameters" not in upload  # no Swagger 2 formData parameters
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body == {"$ref": "#/components/schemas/ProductImageIn"}
    assert set(spec["components"]["schemas"]["ProductImageIn"]["properties"]) == {"file", "alt"}

    listing = spec["paths"]["/api/v1/products"]["get"]
    assert {"If-None-Match", "q", "brand", "page"} <= {p["name"] for p in listing["parameters"]}
    assert set(listing["responses"]["200"]["headers"]) >= {"ETag", "Cache-Control", "X-Request-ID"}
    assert "304" in listing["responses"]
    limited = spec["paths"]["/api/v1/auth/login"]["post"]["responses"]
    assert "X-RateLimit-Remaining" in limited["200"]["headers"] and "429" in limited


def test_the_document_names_its_server_and_has_no_identical_paths(spec):
    assert spec["openapi"] == "3.1.0" and spec["servers"][0]["url"]
    shapes = [re.sub(r"\{[^}]+\}", "{}", path) for path in spec["paths"]]
    assert len(shapes) == len(set(shapes))


def _unbounded(schema: dict, where: str) -> list[str]:
    """Fields of an input schema whose limits the document does not state."""
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    found = []
    if kind == "integer" and "maximum" not in schema:
        found.append(f"{where}: an integer without maximum")
    bounded_pattern = "pattern" in schema and not re.search(r"[+*]|\{\d+,\}", schema["pattern"])
    if kind == "string" and not ({"maxLength", "enum", "format"} & schema.keys()) and not bounded_pattern:
        found.append(f"{where}: a string without maxLength")
    if kind == "array":
        if "maxItems" not in schema:
            found.append(f"{where}: an array without maxItems")
        found += _unbounded(schema.get("items", {}), f"{where}[]")
    for name, prop in schema.get("properties", {}).items():
        found += _unbounded(prop, f"{where}.{name}")
    return found


def test_the_document_states_every_input_limit(client):
    """What the server enforces is in the schema (the cart's 99 units were only in a description):
    every number a client sends has a maximum, every text a maximum length, every list a
    maximum size, in bodies, query strings and headers alike."""
    spec = client.get("/api/v1/openapi.json").get_json()
    found = []
    for name, schema in spec["components"]["schemas"].items():
        if name.endswith(("In", "Patch", "Query")):
            found += _unbounded(schema, name)
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for parameter in op.get("parameters", []) if isinstance(op, dict) else []:
                if "schema" in parameter and parameter.get("in") != "path":
                    found += _unbounded(parameter["schema"], f"{method.upper()} {path} {parameter['name']}")
    assert found == []


def test_headers_the_server_always_sends_are_documented_as_required(spec):
    assert spec["components"]["headers"]["X-Request-ID"]["required"] is True
    created = [(path, op) for path, method, op in operations(spec) if "201" in op["responses"]]
    assert created and all(op["responses"]["201"]["headers"]["Location"]["required"] is True for _, op in created)
    replaying = [
        (path, method)
        for path, method, op in operations(spec)
        if any(p["name"] == "Idempotency-Key" for p in op.get("parameters", []))
    ]
    assert ("/api/v1/orders", "post") in replaying
    for path, method in replaying:
        success = next(v for k, v in spec["paths"][path][method]["responses"].items() if k.startswith("2"))
        assert success["headers"]["Idempotent-Replayed"]["schema"]["enum"] == ["true"], (path, method)


# Lists that are not pages, each named in README ("Lists") with its reason.
NOT_PAGES = {
    ("/api/v1/payments/methods", "get"),  # the shop's own set: at most four
    ("/api/v1/categories", "get"),  # the category tree: one tree, not a collection to page
    ("/api/v1/returns/{return_id}/seller-responses", "get"),  # one per seller of the return's lines
}


def test_every_list_is_a_page_but_the_named_exceptions(spec):
    bare = set()
    for path, method, op in operations(spec):
        for status, response in op["responses"].items():
            schema = (response.get("content", {}).get("application/json") or {}).get("schema", {})
            if status.startswith("2") and schema.get("type") == "array":
                bare.add((path, method))
    assert bare == NOT_PAGES


def test_every_example_is_valid_for_its_schema(spec):
    """Spectral's oas3-valid-media-example, in the suite (a field added to a schema and not to its
    example failed CI's contract step only)."""
    from jsonschema import Draft202012Validator

    checked = 0
    for path, method, op in operations(spec):
        media = [op.get("requestBody", {}).get("content", {}).get("application/json")]
        media += [response.get("content", {}).get("application/json") for response in op["responses"].values()]
        for content in media:
            if content and "example" in content:
                validator = Draft202012Validator({**content["schema"], "components": spec["components"]})
                errors = [error.message for error in validator.iter_errors(content["example"])]
                assert errors == [], (method, path, errors)
                checked += 1
    assert checked >= 3
