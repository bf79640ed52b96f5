"""Where a catalog read's CPU goes: cProfile over a few thousand requests in-process, each
function's own time attributed to one part of the request by where its code lives.

    .venv/bin/python bench/profile_catalog.py [--database-url URL] [--requests 2000] [--top 25]

Runs on the demo catalog (loaded when missing) of DATABASE_URL (default: the catalog benchmark's
PostgreSQL database), through Flask's test client with the headers a browser sends (gzip, br),
so the compression and ETag paths run. The test client's own cost (building the WSGI environ,
reading the response) is its own line, so the rest is what a server pays. Prints, for the list
page and the product page, microseconds per request by part and the functions that cost most.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/duka_bench"

# Where a function's code lives -> the part of the request it belongs to. First match wins.
PARTS: list[tuple[str, tuple[str, ...]]] = [
    (
        "test client (not the server's)",
        ("werkzeug/test.py", "flask/testing.py", "werkzeug/wrappers/response.py:get_data"),
    ),
    ("logging", ("app/common/logging.py", "/logging/", "json/encoder.py:iterencode_log")),
    (
        "auth and limits",
        ("flask_limiter", "limits/", "flask_jwt_extended", "jwt/", "app/common/permissions.py", "app/auth/"),
    ),
    ("ETag and caching", ("app/common/http.py", "hashlib", "werkzeug/http.py", "werkzeug/datastructures")),
    ("compression", ("flask_compress", "brotli", "gzip", "zlib")),
    ("CORS", ("flask_cors",)),
    ("query (SQLAlchemy, driver)", ("sqlalchemy", "psycopg2", "sqlite3")),
    (
        "serialising (marshmallow, JSON)",
        ("marshmallow", "json/", "app/common/dumping.py", "app/common/schemas.py", "app/common/fields.py"),
    ),
    ("building rows (catalog services)", ("app/catalog/",)),
    (
        "routing and request parsing",
        (
            "werkzeug/routing",
            "werkzeug/wrappers",
            "werkzeug/sansio",
            "werkzeug/urls",
            "webargs",
            "flask_smorest",
            "app/common/blueprint.py",
            "app/common/converters.py",
        ),
    ),
    ("Flask dispatch and contexts", ("flask/", "werkzeug/", "blinker", "contextvars")),
    ("the app's other code", ("app/",)),
]


def part_of(filename: str, function: str) -> str:
    where = f"{filename}:{function}"
    for part, needles in PARTS:
        if any(needle in where for needle in needles):
            return part
    if filename.startswith("~") or filename == "<built-in>":
        return "built-ins (str, dict, list...)"
    return "other libraries"


def profile(client, url: str, requests: int, headers: dict[str, str]) -> pstats.Stats:
    for _ in range(50):
        client.get(url, headers=headers)  # warm
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(url, headers=headers).close()
    profiler.disable()
    return pstats.Stats(profiler)


def report(label: str, stats: pstats.Stats, requests: int, top: int) -> None:
    by_part: dict[str, float] = defaultdict(float)
    own: list[tuple[float, str]] = []
    entries = stats.stats  # type: ignore[attr-defined]
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in entries.items():
        by_part[part_of(filename, function)] += tottime
        own.append((tottime, f"{filename.replace(str(ROOT) + '/', '')}:{function}"))
    total = sum(by_part.values())
    server = total - by_part.get("test client (not the server's)", 0.0)
    each, served = total / requests * 1e6, server / requests * 1e6
    print(f"\n{label}: {each:.0f} us per request under the profiler, {served:.0f} us of it the server's")
    for part, seconds in sorted(by_part.items(), key=lambda item: -item[1]):
        print(f"  {part:40} {seconds / requests * 1e6:8.1f} us  {seconds / total * 100:5.1f} %")
    print(f"  the {top} functions with the most own time:")
    for seconds, name in sorted(own, reverse=True)[:top]:
        print(f"    {seconds / requests * 1e6:7.1f} us  {name[-110:]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()

    os.environ.update({"APP_ENV": "development", "DATABASE_URL": args.database_url, "LOG_LEVEL": "INFO"})
    sys.path.insert(0, str(ROOT))
    from bench.catalog import ensure_database

    if args.database_url.startswith("postgresql"):
        ensure_database(args.database_url)
    from sqlalchemy import select

    from app import create_app
    from app.catalog.models import Product
    from app.extensions import db

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        product_id = db.session.scalar(select(Product.id).where(Product.is_active).order_by(Product.id).limit(1))
    if product_id is None:
        raise SystemExit("no products: load the demo catalog first (flask seed-demo, or bench/catalog.py)")
    import logging

    logging.getLogger("duka.access").handlers = [logging.NullHandler()]  # measured, not printed
    logging.getLogger("duka.access").propagate = False
    client = app.test_client()
    headers = {"Accept-Encoding": "gzip, deflate, br", "User-Agent": "profile"}
    for label, url in (("list page 1", "/api/v1/products"), ("product page", f"/api/v1/products/{product_id}")):
        assert client.get(url, headers=headers).status_code == 200
        report(label, profile(client, url, args.requests, headers), args.requests, args.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
