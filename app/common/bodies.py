"""JSON in and out. Reading request bodies safely: one parser for every route (webargs, the
rate-limit keys, Flask's `get_json`), which refuses malformed JSON and JSON nested deeper than
MAX_JSON_DEPTH with a 400 before any handler sees it. (Python's parser recurses: `[` a thousand
times deep, 2 KB of body, would otherwise be a RecursionError and a 500.)

Writing responses with orjson: the standard library's encoder took 105 us for a listing page's
12 KB, orjson 16 us (measured), the same JSON but for non-ASCII text, written as UTF-8 instead
of `\\u` escapes (RFC 8259 allows both; every JSON parser reads both).
"""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
from flask import Request, Response, request
from flask.json.provider import DefaultJSONProvider

from app.errors import MalformedJson

MAX_JSON_DEPTH = 32  # no body of ours nests more than 3 levels
_PARSED = "duka.json_body"
_MISSING = object()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):  # 1e400 would be inf
        raise ValueError("a number out of range")
    return number


def loads_checked(data: str | bytes) -> Any:
    """json.loads, refusing what is not JSON (ValueError): Python's extensions NaN, Infinity and
    -Infinity, numbers beyond a float (1e400), and nesting deeper than MAX_JSON_DEPTH. Every body
    a client or a provider sends is read through here; nothing else in app/ calls json.loads."""
    try:
        value = json.loads(data, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    if _depth_exceeds(value, MAX_JSON_DEPTH):
        raise ValueError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        children: Any
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def request_json(req: Request | None = None, *, silent: bool = False) -> Any:
    """The request's JSON body (parsed once per request), None when it has none. Malformed or
    too deep: MalformedJson (400), or None when `silent`."""
    req = req or request
    cached = req.environ.get(_PARSED, _MISSING)
    if cached is _MISSING:
        data = req.get_data(cache=True)
        if not data.strip():
            cached = None
        else:
            try:
                cached = loads_checked(data)
            except ValueError as exc:
                cached = MalformedJson(_reason(exc))
        req.environ[_PARSED] = cached
    if isinstance(cached, MalformedJson):
        if silent:
            return None
        raise cached
    return cached


def _reason(error: ValueError) -> str:
    if "nested deeper" in str(error):
        return f"The request body nests deeper than {MAX_JSON_DEPTH} levels."
    return "The request body is not valid JSON."


class JsonProvider(DefaultJSONProvider):
    """Flask's JSON, with the same checked parser for anything that calls `request.get_json`,
    written by orjson. Values orjson leaves to a `default` (decimals, and dates, which Flask
    writes as HTTP dates) get Flask's; what orjson refuses (an integer past 64 bits) is written
    by the standard library's encoder."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads_checked(s)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return self._encode(obj, indent=bool(kwargs.get("indent")), sort_keys=kwargs.get("sort_keys")).decode()

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        pretty = (self.compact is None and self._app.debug) or self.compact is False
        body = self._encode(obj, indent=pretty, sort_keys=None) + b"\n"
        response_class: Any = self._app.response_class  # (typed as werkzeug's sans-IO base)
        return response_class(body, mimetype=self.mimetype)

    def _encode(self, obj: Any, *, indent: bool, sort_keys: bool | None) -> bytes:
        sort = self.sort_keys if sort_keys is None else sort_keys
        # Dates to Flask's default (HTTP dates), as Flask's own provider writes them.
        return encode_json(obj, default=self.default, indent=indent, sort_keys=sort, dates_by_default=True)


def encode_json(
    obj: Any, *, default: Any, indent: bool = False, sort_keys: bool = False, dates_by_default: bool = False
) -> bytes:
    """JSON as orjson writes it (compact, UTF-8), or the standard library's encoder, compact too,
    for what orjson refuses (an integer past 64 bits). The one JSON writer: responses, log lines."""
    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_PASSTHROUGH_DATETIME if dates_by_default else 0)
    option |= (orjson.OPT_INDENT_2 if indent else 0) | (orjson.OPT_SORT_KEYS if sort_keys else 0)
    try:
        return orjson.dumps(obj, default=default, option=option)
    except orjson.JSONEncodeError:
        separators = None if indent else (",", ":")
        text = json.dumps(
            obj, default=default, indent=2 if indent else None, separators=separators, sort_keys=sort_keys
        )
        return text.encode()
