"""How the OpenAPI document is written: the conventions every operation gets without each route
repeating them (apispec plugins, given to flask-smorest's Api in app/extensions.py).

- Response schemas (`OutSchema`) list every field as `required`, so generated clients type them
  as always present.
- Public operations say `security: []`; secured ones document 401; operations where a token is
  optional (login_optional) inherit the document's `security: [{}, {bearerAuth: []}]`.
- An operation taking a path id documents 404; a JSON body 400 (malformed) and 415; a multipart
  body 413 and 415; every operation 422 (unknown query parameters are refused everywhere).
- Every response documents `X-Request-ID`; rate-limited operations the `X-RateLimit-*` headers;
  conditional reads (a 304) take `If-None-Match`.
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin
from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import resolve_schema_instance
from flask_smorest.utils import deepupdate

from app.common.schemas import OutSchema

HEADERS = "#/components/headers/"

# Headers every client may read, documented once under components/headers.
HEADER_DOCS: dict[str, dict[str, Any]] = {
    "X-Request-ID": {
        "description": "The request's id (yours, echoed, when sane); quote it when reporting a problem",
        "required": True,
        "schema": {"type": "string"},
    },
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer"}},
    "X-RateLimit-Limit": {"description": "Requests allowed in the current window", "schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"description": "Requests left in the current window", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {"description": "When the window resets (Unix time)", "schema": {"type": "integer"}},
    "ETag": {
        "description": "Validator of this representation; send it back as If-None-Match",
        "schema": {"type": "string"},
    },
    "Cache-Control": {"description": "How long the response may be reused", "schema": {"type": "string"}},
}
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
IF_NONE_MATCH = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "An ETag from an earlier response: 304 without a body when it still matches",
    # A header line's limit (gunicorn's limit_request_field_size), the only bound a server sets.
    "schema": {"type": "string", "maxLength": 8190},
}


# A token is optional: `{}` (no credentials) or a bearer token (OpenAPI's way of saying it). The
# document's top-level `security`, which operations of login_optional routes inherit.
OPTIONAL_AUTH: list[dict[str, list[str]]] = [{}, {"bearerAuth": []}]


def header_refs(*names: str) -> dict[str, dict[str, str]]:
    return {name: {"$ref": HEADERS + name} for name in names}


class Converter(OpenAPIConverter):
    def schema2jsonschema(self, schema: Any) -> dict[str, Any]:
        jsonschema = super().schema2jsonschema(schema)
        instance = resolve_schema_instance(schema)
        if isinstance(instance, OutSchema):
            optional = set(getattr(instance.Meta, "optional", ()))
            required = [field.data_key or name for name, field in instance.dump_fields.items() if name not in optional]
            if required:
                jsonschema["required"] = required
        return jsonschema


class DukaMarshmallowPlugin(MarshmallowPlugin):
    Converter = Converter


class ConventionsPlugin(BasePlugin):
    """Completes each operation with the responses and headers that follow from its shape."""

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        takes_path_args = bool(rule is not None and rule.arguments)
        for operation in (operations or {}).values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses: dict[str, Any] = {}
            for status, response in operation["responses"].items():  # int keys from flask-smorest, str from ours
                key = str(status)
                responses[key] = deepupdate(responses[key], response) if key in responses else response
            # A component's name, not a $ref: apispec then registers the (lazy) component too.
            add = responses.setdefault
            security = operation.get("security")
            if security == OPTIONAL_AUTH:
                # The document's default requirement is this one: inherited rather than repeated,
                # because openapi-python-client (0.29, its issue #1372) reads any operation-level
                # list, `{}` included, as "a token is required" and makes guests unable to call it.
                del operation["security"]
                add("401", "UNAUTHORIZED")  # a token sent must be valid
            elif security:
                add("401", "UNAUTHORIZED")
            else:
                operation["security"] = []
            if takes_path_args:
                add("404", "NOT_FOUND")
            add("422", "UNPROCESSABLE_ENTITY")
            body = operation.get("requestBody", {}).get("content", {})
            if "application/json" in body:
                add("400", "BAD_REQUEST")
                add("415", "UNSUPPORTED_MEDIA_TYPE")
            if "multipart/form-data" in body:
                add("413", "REQUEST_ENTITY_TOO_LARGE")
                add("415", "UNSUPPORTED_MEDIA_TYPE")
            if "304" in responses:  # a conditional read (app/common/http.py)
                operation.setdefault("parameters", []).append(IF_NONE_MATCH)
            limited = "429" in responses
            for status, response in responses.items():
                if isinstance(response, str) or "$ref" in response or status == "default":  # refs
                    continue
                headers = response.setdefault("headers", {})
                headers.update(header_refs("X-Request-ID"))
                if limited:
                    headers.update(header_refs(*RATE_LIMIT_HEADERS))
            operation["responses"] = dict(sorted(responses.items(), key=lambda item: (item[0] == "default", item[0])))
