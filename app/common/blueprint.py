"""The Blueprint every domain uses: flask-smorest's, strict about what a request may carry.

- Arguments are parsed strictly: an unknown field in a body or an unknown query parameter is a
  422, also on routes that declare no query schema at all (checked before the view runs).
- A body must come in the content type its route reads: anything else is a 415, not a
  misleading 422 about missing fields.
- Uploads are one `multipart/form-data` body (`location="multipart"`): files and form fields
  in one schema, so the document holds one request body and unknown form fields are refused.
- A 201 response names where the new resource lives (`Location`): `location=` is required.
- Every POST, PUT, PATCH and DELETE runs in one unit of work (app/common/db.py): the view's
  changes commit together when it returns, or roll back together when it raises.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

import flask_smorest
from flask import current_app, g, request
from webargs.core import missing
from webargs.flaskparser import FlaskParser
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import CombinedMultiDict

from app.common.bodies import request_json
from app.common.db import unit_of_work
from app.errors import UnsupportedMediaType, ValidationFailed
from app.extensions import db

BODY_TYPES = {"json": "application/json", "multipart": "multipart/form-data"}
_ACCEPTS = "_duka_accepts"  # the argument locations a view reads, set by Blueprint.arguments
_OPTIONAL = "_duka_optional_bodies"  # the body locations whose schema requires no field


class Parser(FlaskParser):
    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_json(self, req: Any, schema: Any) -> Any:
        """The body, through the one checked JSON parser (app/common/bodies.py). No body is
        `missing` (a schema without required fields then loads {}); a body of `null` is not an
        object and is refused, never read as {}."""
        if not req.is_json:
            return missing
        body = request_json(req)
        if body is None and req.get_data(cache=True).strip():
            raise ValidationFailed(
                "The body must be a JSON object.", errors={"body": ["Send a JSON object, not null."]}
            )
        return missing if body is None else body

    def load_multipart(self, req: Any, schema: Any) -> MultiDictProxy:
        """Files and form fields of a multipart body, as one mapping."""
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)


class Blueprint(flask_smorest.Blueprint):
    # unknown=None lets each schema's Meta.unknown (RAISE, see BaseSchema) decide for every
    # location: a misspelt filter in a query string is a 422, not silently ignored.
    ARGUMENTS_PARSER = Parser(unknown=None)
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {
        **flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        "multipart": "multipart/form-data",
    }

    def arguments(self, schema: Any, *, location: str = "json", **kwargs: Any) -> Callable[[Any], Any]:
        """flask-smorest's arguments; a body whose schema requires no field is optional (the
        document says so, and a request may come without one: POST /orders/{id}/cancel)."""
        optional = location in BODY_TYPES and _requires_nothing(_schema(schema))
        if optional:
            kwargs.setdefault("required", False)
        parse = super().arguments(schema, location=location, **kwargs)

        def decorator(func: Any) -> Any:
            view = _checking_shape(parse(func))
            setattr(view, _ACCEPTS, getattr(func, _ACCEPTS, frozenset()) | {location})
            setattr(view, _OPTIONAL, getattr(func, _OPTIONAL, frozenset()) | ({location} if optional else set()))
            return view

        return decorator

    def response(
        self,
        status_code: int,
        schema: Any = None,
        *,
        location: Callable[[Any], str] | None = None,
        **kwargs: Any,
    ) -> Callable[[Any], Any]:
        """flask-smorest's response decorator; a 201 also takes `location`, a function of the
        created object giving its URL, sent as the `Location` header."""
        if status_code != 201:
            serialise_only = super().response(status_code, schema, **kwargs)
            return lambda func: _checking_shape(_writes_in_one_unit(serialise_only(_flushed(func))))
        if location is None:
            raise TypeError("A 201 response must say where the new resource lives: location=...")
        kwargs.setdefault("headers", {})["Location"] = {
            "description": "URL of the created resource",
            "required": True,
            "schema": {"type": "string", "format": "uri-reference"},
        }
        serialise = super().response(status_code, schema, **kwargs)

        def decorator(func: Any) -> Any:
            @wraps(func)
            def view(*args: Any, **view_kwargs: Any) -> Any:
                created = _flushed(func)(*args, **view_kwargs)
                return created, {"Location": location(created)}

            return _checking_shape(_writes_in_one_unit(serialise(view)))

        return decorator


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _writes_in_one_unit(view: Any) -> Any:
    """Run a write request's view and the dump of its result in one unit of work (reads run as
    they are). The commit comes after the dump, as Django's atomic requests do it: the response
    is read inside the transaction (lazy loads work), and a failing commit still turns into an
    error response instead of a 2xx for a change that did not happen."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if request.method in SAFE_METHODS:
            return view(*args, **kwargs)
        with unit_of_work():
            return view(*args, **kwargs)

    return wrapper


def _flushed(view: Any) -> Any:
    """Flush a write view's changes before its result is dumped: ids exist, and values the
    database derives on flush (a category's visibility) are read back."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = view(*args, **kwargs)
        if request.method not in SAFE_METHODS:
            db.session.flush()
        return result

    return wrapper


def _checking_shape(view: Any) -> Any:
    """Check the request's shape before `view` runs. Every route has `@blp.response`, so every
    route is checked; the check sits inside `login_required` (a stranger learns nothing about
    a route before authenticating) and before any argument is parsed."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not g.get("_duka_shape_checked"):
            g._duka_shape_checked = True
            _check_request_shape()
        return view(*args, **kwargs)

    return wrapper


def _check_request_shape() -> None:
    """Refuse query parameters a route does not read (422) and bodies in a content type it does
    not read (415), whatever schema the route has or lacks."""
    current = request._get_current_object()  # type: ignore[attr-defined]  # (one proxy lookup, not five)
    if current.endpoint is None:
        return
    accepts = _accepted_locations(current.endpoint, current.method)
    if accepts is None:
        return
    if "query" not in accepts and current.environ.get("QUERY_STRING") and current.args:
        raise ValidationFailed(
            "The request did not validate.", errors={name: ["Unknown field."] for name in current.args}
        )
    for location, mimetype in BODY_TYPES.items():
        if location not in accepts:
            continue
        if not _has_body():
            if location in _optional_locations(current.endpoint, current.method):
                continue  # every field optional: no body is an empty one
            raise ValidationFailed("This request needs a body.", errors={"body": [f"Send a {mimetype} body."]})
        if not _mimetype_is(mimetype):
            raise UnsupportedMediaType(f"Send the body as {mimetype}.")


def _has_body() -> bool:
    return bool(request.content_length) or request.headers.get("Transfer-Encoding", "").lower() == "chunked"


def _mimetype_is(expected: str) -> bool:
    if expected == "application/json":
        return request.is_json
    return request.mimetype == expected


_locations: dict[tuple[str, str, str], frozenset[str] | None] = {}


def _view_of(endpoint: str, method: str) -> Any:
    view = current_app.view_functions.get(endpoint)
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        view = getattr(view_class, "get" if method == "HEAD" else method.lower(), None)
    return view


def _accepted_locations(endpoint: str, method: str) -> frozenset[str] | None:
    """The argument locations the view of `endpoint` reads for `method` (memoised)."""
    key = (_ACCEPTS, endpoint, method)
    if key not in _locations:
        view = _view_of(endpoint, method)
        _locations[key] = getattr(view, _ACCEPTS, frozenset()) if view is not None else None
    return _locations[key]


def _optional_locations(endpoint: str, method: str) -> frozenset[str]:
    """The body locations of that view that may be left out (memoised)."""
    key = (_OPTIONAL, endpoint, method)
    if key not in _locations:
        view = _view_of(endpoint, method)
        _locations[key] = getattr(view, _OPTIONAL, frozenset()) if view is not None else frozenset()
    return _locations[key] or frozenset()


def _schema(schema: Any) -> Any:
    """A schema instance from what `arguments` was given (a class or an instance)."""
    return schema() if isinstance(schema, type) else schema


def _requires_nothing(schema: Any) -> bool:
    """No field must be sent: none is required, or the schema loads partially (a PATCH)."""
    return schema.partial is True or not any(field.required for field in schema.fields.values())
