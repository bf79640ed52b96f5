"""The bare baseline for bench/catalog.py: a minimal WSGI function, no framework.

For each benchmarked URL it runs the very SQL statements the app ran for it (recorded by
bench/catalog.py into BENCH_SQL_FILE) with psycopg2 and returns the rows with json.dumps.
What the app adds on top of this is the framework's cost: routing, validation, ORM, schemas.
"""

from __future__ import annotations

import json
import os
import pickle
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg2

with open(os.environ["BENCH_SQL_FILE"], "rb") as handle:
    RECORDED: dict[str, list[tuple[str, Any]]] = pickle.load(handle)

_connection = None


def connection() -> Any:
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg2.connect(os.environ["BENCH_DATABASE_URL"])
        _connection.autocommit = True
    return _connection


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    key = environ.get("PATH_INFO", "") + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
    statements = RECORDED.get(key)
    if statements is None:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error": "not recorded"}']
    results = []
    with connection().cursor() as cursor:
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            columns = [c.name for c in cursor.description] if cursor.description else []
            results.append([{c: _plain(v) for c, v in zip(columns, row, strict=True)} for row in cursor.fetchall()])
    body = json.dumps({"results": results}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
