"""URL converters. `<int:...>` in routes means a database id: 1 to 2**31-1.

Larger numbers cannot be ids (PostgreSQL integers; SQLite overflows Python ints past 2**63), so
they are a 404 at routing time instead of a database error.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest.spec.plugins import integerconverter2paramschema
from werkzeug.routing import IntegerConverter, UnicodeConverter

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class TextConverter(UnicodeConverter):
    """A path segment (a slug): anything but `/` and NUL, which PostgreSQL text cannot hold."""

    def __init__(self, map: Any, minlength: int = 1, maxlength: int | None = 200, length: int | None = None) -> None:  # noqa: A002
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", "[^/\\x00]")


def install_converters(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["default"] = TextConverter
    app.url_map.converters["string"] = TextConverter


def document_converters(api: Any) -> None:
    api.register_converter(IdConverter, integerconverter2paramschema)
    api.register_converter(TextConverter, lambda converter: {"type": "string", "minLength": 1, "maxLength": 200})
