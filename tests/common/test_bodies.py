"""Responses written by orjson (app/common/bodies.py): the JSON Flask's encoder wrote, faster."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from flask import Flask, jsonify


def test_responses_are_the_same_json_with_non_ascii_text_as_utf8(app: Flask) -> None:
    value = {"name": "Kikapu ya ukili — Ng'ambo", "n": 3, "ok": True, "none": None, "list": [1.5, "é"]}
    with app.test_request_context():
        response = jsonify(value)
    assert response.mimetype == "application/json"
    assert response.data == json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    assert json.loads(response.data) == value


def test_values_orjson_leaves_to_flask_are_written_as_flask_writes_them(app: Flask) -> None:
    when = datetime(2026, 12, 5, 21, 0, tzinfo=UTC)
    with app.test_request_context():
        body = json.loads(jsonify({"price": Decimal("1250.00"), "at": when, 7: "int key"}).data)
    assert body == {"price": "1250.00", "at": "Sat, 05 Dec 2026 21:00:00 GMT", "7": "int key"}


def test_what_orjson_refuses_is_written_by_the_standard_encoder(app: Flask) -> None:
    huge = 2**70  # past 64 bits
    assert app.json.dumps({"n": huge}) == '{"n":' + str(huge) + "}"
    assert json.loads(app.json.dumps({"b": 2}, indent=2, sort_keys=True)) == {"b": 2}
    assert app.json.dumps({"b": 1, "a": 2}, sort_keys=True) == '{"a":2,"b":1}'


def test_debug_responses_are_indented(app: Flask) -> None:
    app.debug, was = True, app.debug
    try:
        with app.test_request_context():
            assert jsonify({"a": [1]}).data == b'{\n  "a": [\n    1\n  ]\n}\n'
    finally:
        app.debug = was
