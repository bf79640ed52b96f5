"""HTTP caching rules: conditional GET for public reads, `no-store` for everything else, and
`Retry-After` only where it means something.

Public catalog reads (`@conditional`) carry a weak ETag computed from the body itself, so it is
exact by construction: any write that changes what a page or a listing shows changes its ETag at
once, with no invalidation to forget. A matching `If-None-Match` answers 304 without a body (the
work is done, the bytes are saved). Every other API response is `Cache-Control: no-store`:
profiles, tokens, carts and orders must never sit in a shared or browser cache.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from copy import deepcopy
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Request, Response, request
from werkzeug.datastructures import Headers, ImmutableMultiDict
from werkzeug.http import http_date

from app.common.openapi import header_refs

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC_MAX_AGE = 60  # seconds a browser or CDN may reuse a catalog read without asking
# The request headers werkzeug's make_conditional reads (as WSGI environ keys).
_CONDITIONS = frozenset(
    {"HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_RANGE"}
)
RETRY_AFTER_STATUSES = {429, 503}


def conditional(view: F) -> F:
    """Give a public read an ETag and Cache-Control, and answer a matching If-None-Match with 304.

    Goes above `@blp.response` (it needs the serialised response). The document gets the 304,
    the headers and (from the 304, app/common/openapi.py) the If-None-Match parameter."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        response: Response = view(*args, **kwargs)
        if response.status_code != 200:
            return response
        response.set_etag(hashlib.blake2b(response.get_data(), digest_size=16).hexdigest(), weak=True)
        # Signed-in clients get the same body, but a shared cache must not keep their copy.
        environ = request.environ
        scope = "private" if "HTTP_AUTHORIZATION" in environ else "public"
        response.headers["Cache-Control"] = f"{scope}, max-age={PUBLIC_MAX_AGE}"
        # A cache keeps one copy per Origin: a browser's carries CORS headers, curl's does not.
        # (Said here for every cacheable read, so Flask-CORS need not: vary_header=False.)
        add_vary(response, "Origin")
        if _CONDITIONS.isdisjoint(environ):
            # Nothing to compare: what make_conditional would do then (its header parsing cost
            # a product page 2 % of its CPU), which is to add the Date.
            response.headers["Date"] = _http_date_now()
            return response
        return response.make_conditional(request)

    doc = deepcopy(getattr(wrapper, "_apidoc", {}))
    manual = doc.setdefault("manual_doc", {})
    responses = manual.setdefault("responses", {})
    responses.setdefault("200", {}).setdefault("headers", {}).update(header_refs("ETag", "Cache-Control"))
    responses["304"] = {
        "description": "Not modified: the representation matching If-None-Match is still current",
        "headers": header_refs("ETag", "Cache-Control", "X-Request-ID"),
    }
    wrapper._apidoc = doc  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


_date: list[Any] = [0, ""]  # (second, its HTTP date): formatted once a second, not per response


def _http_date_now() -> str:
    now = int(time.time())
    if _date[0] != now:
        _date[:] = [now, http_date(now)]
    return _date[1]


_ABSENT: Any = object()  # no default given to pop()


class ResponseHeaders(Headers):
    """A response's headers, where looking up a name that is absent costs no exception.

    werkzeug's `get` and `in` look a name up by raising and catching a `BadRequestKeyError` (an
    HTTPException, built with its description) when it is absent: 1.2 us against 0.3, and a
    catalog read asks for absent headers 19 times (Flask-Compress, Flask-CORS, werkzeug, our
    hooks), and `pop` and `setdefault` look up the same way. Same answers, case-insensitive as
    ever; `type=` conversions stay werkzeug's."""

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]  # noqa: A002
        if type is None and isinstance(key, str):
            wanted = key.lower()
            for name, value in self._list:
                if name.lower() == wanted:
                    return value
            return default
        return super().get(key, default, type)

    def __contains__(self, key: Any) -> bool:
        if isinstance(key, str):
            wanted = key.lower()
            return any(name.lower() == wanted for name, _ in self._list)
        return super().__contains__(key)

    def pop(self, key: Any = None, default: Any = _ABSENT) -> Any:
        if isinstance(key, str) and default is not _ABSENT and key not in self:
            return default
        return super().pop(key) if default is _ABSENT else super().pop(key, default)

    def setdefault(self, key: str, default: Any) -> str:
        found = self.get(key)
        if found is None:
            self.set(key, default)
            return self.get(key)  # (as werkzeug's: the value as stored)
        return found


class DukaResponse(Response):
    """Flask's Response with ResponseHeaders (the app's `response_class`)."""

    def __init__(self, response: Any = None, status: Any = None, headers: Any = None, *args: Any, **kwargs: Any):
        if not isinstance(headers, ResponseHeaders):
            headers = ResponseHeaders(headers)
        super().__init__(response, status, headers, *args, **kwargs)


class QueryArgs(ImmutableMultiDict[str, str]):
    """A request's query string (and form fields), where `get` of an absent name costs no
    exception: werkzeug's raises and catches a `BadRequestKeyError` for each, and a listing's
    query schema asks for its twelve parameters whether they were sent or not (12 exceptions,
    about 18 us a request). Same answers; `type=` conversions stay werkzeug's."""

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]  # noqa: A002
        if type is None:
            values = dict.get(self, key)
            return values[0] if values else default
        return super().get(key, default, type)


class DukaRequest(Request):
    """Flask's Request with QueryArgs (the app's `request_class`)."""

    parameter_storage_class = QueryArgs


def add_vary(response: Response, name: str) -> None:
    """Add `name` to the response's one `Vary` header, unless it is there (any case)."""
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = name
    elif name.lower() not in vary.lower():
        response.headers["Vary"] = f"{vary}, {name}"


def _wrap_after_request(app: Flask, module: str, wrap: Callable[[Any], Callable[[Response], Response]]) -> None:
    """Put the app-wide after-request hooks of an extension (by its module) inside `wrap`."""
    hooks = app.after_request_funcs.get(None, [])
    for i, hook in enumerate(hooks):
        if getattr(hook, "__module__", "").startswith(module):
            hooks[i] = wrap(hook)


def cors_only_with_an_origin(app: Flask, *, always_send: bool) -> None:
    """Run Flask-CORS's after-request hook only for requests that carry an Origin. Without one,
    and unless told to `always_send`, it sets no header, but first matched the path against its
    resources and read its options: 13 us of every request from a mobile app or curl."""
    if not always_send:
        _wrap_after_request(app, "flask_cors", _with_an_origin)


def _with_an_origin(hook: Any) -> Callable[[Response], Response]:
    def cors(response: Response) -> Response:
        return hook(response) if "HTTP_ORIGIN" in request.environ else response

    return cors


def compress_only_above_its_minimum(app: Flask) -> None:
    """Run Flask-Compress's after-request hook only for bodies it may compress: below
    COMPRESS_MIN_SIZE (a product page, an error) it adds `Vary: Accept-Encoding` and stops, but
    first parsed Accept-Encoding and read the mimetype, status and headers: 12 us against 1."""
    minimum = app.config["COMPRESS_MIN_SIZE"]
    _wrap_after_request(app, "flask_compress", lambda hook: _above(minimum, hook))


def _above(minimum: int, hook: Any) -> Callable[[Response], Response]:
    def compress(response: Response) -> Response:
        length = response.headers.get("Content-Length")
        if length is None or response.is_streamed or int(length) >= minimum:
            return hook(response)
        add_vary(response, "Accept-Encoding")  # what the hook does to a body it leaves alone
        return response

    return compress


def init_http(app: Flask) -> None:
    """Response headers every route gets. Registered before the limiter, so that it runs after
    the limiter's own after_request hook (Flask runs them in reverse) and sees its headers."""

    @app.after_request
    def cache_and_retry_headers(response: Response) -> Response:
        if response.status_code not in RETRY_AFTER_STATUSES:
            response.headers.pop("Retry-After", None)  # Flask-Limiter sends it on every limited route
        if request.path.startswith("/api/") and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        response.headers.setdefault("X-Content-Type-Options", "nosniff")  # bodies are what they say
        return response
