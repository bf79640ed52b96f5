"""The API conventions every endpoint shares: errors, ids, CORS, docs, health."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from app.common.schemas import PROBLEM_MIMETYPE
from app.extensions import db
from tests.helpers import assert_problem


def test_health_reports_database(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


@pytest.mark.own_database
def test_health_is_503_when_database_is_down():
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": "postgresql://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    assert response.get_json() == {"status": "degraded", "database": "unavailable"}


def test_unknown_route_is_problem_404(client):
    assert_problem(client.get("/api/v1/no-such-thing"), 404, "not_found")


def test_wrong_method_is_problem_405_with_allow(client):
    response = client.delete("/api/v1/health")
    assert_problem(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_400(client):
    response = client.post("/api/v1/auth/login", data='{"email": ', content_type="application/json")
    assert_problem(response, 400, "malformed_json")


def test_schema_errors_are_422_by_field(client):
    response = client.post("/api/v1/auth/register", json={"email": "not-an-email"})
    body = assert_problem(response, 422, "validation_error")
    assert "email" in body["errors"]
    assert "name" in body["errors"] and "password" in body["errors"]


def test_oversize_body_is_413(app, client):
    big = "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/api/v1/auth/login", data=big, content_type="application/json")
    assert_problem(response, 413, "payload_too_large")


def test_request_id_is_echoed_or_generated(client):
    sent = client.get("/api/v1/health", headers={"X-Request-ID": "abc-123"})
    assert sent.headers["X-Request-ID"] == "abc-123"
    made = client.get("/api/v1/health", headers={"X-Request-ID": "bad id with spaces"})
    assert made.headers["X-Request-ID"] != "bad id with spaces"
    assert len(made.headers["X-Request-ID"]) == 32


def test_request_id_is_in_error_bodies(client):
    body = client.get("/api/v1/nope", headers={"X-Request-ID": "req-1"}).get_json(force=True)
    assert body["request_id"] == "req-1"


def test_cors_allows_listed_origin_only(client):
    allowed = client.get("/api/v1/health", headers={"Origin": "http://localhost:3000"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    denied = client.get("/api/v1/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in denied.headers
    no_browser = client.get("/api/v1/health")  # curl, a mobile app: no Origin, no CORS headers
    assert not [name for name in no_browser.headers.keys() if name.startswith("Access-Control-")]


def test_access_log_is_one_json_line_per_request(client, customer, caplog):
    caplog.set_level(logging.INFO, logger="duka")
    access = logging.getLogger("duka.access")  # "duka" does not propagate to the root logger
    access.addHandler(caplog.handler)
    try:
        client.get("/api/v1/me", headers={**customer.headers, "X-Request-ID": "log-1"})
    finally:
        access.removeHandler(caplog.handler)
    # caplog may hold the same record twice (its handler sits on more than one logger).
    records = list({id(r): r for r in caplog.records if r.name == "duka.access"}.values())
    assert len(records) == 1
    fields = records[0].fields
    assert fields["method"] == "GET" and fields["path"] == "/api/v1/me" and fields["status"] == 200
    assert fields["request_id"] == "log-1" and fields["user_id"] == customer.user.id
    assert fields["duration_ms"] >= 0
    from app.common.logging import JsonFormatter

    assert json.loads(JsonFormatter().format(records[0]))["path"] == "/api/v1/me"


def test_unexpected_error_is_500_problem_without_internals(app: Flask, caplog):
    # A throw-away app so the failing route does not leak into the shared one.
    broken = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})

    @broken.get("/api/v1/boom")
    def boom():
        raise RuntimeError("secret internals")

    errors = logging.getLogger("duka.errors")
    errors.addHandler(caplog.handler)
    try:
        response = broken.test_client().get("/api/v1/boom")
    finally:
        errors.removeHandler(caplog.handler)
    body = assert_problem(response, 500, "internal_error")
    assert "secret" not in response.get_data(as_text=True)
    assert body["request_id"]
    assert any("secret internals" in (r.exc_text or str(r.exc_info)) for r in caplog.records)


def test_openapi_document_lists_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    documented = {path for path in spec["paths"]}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint.split(".")[0] not in ("api-docs", "docs_assets"):
            path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
            assert path in documented, f"{rule.rule} is not in the OpenAPI document"
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    problem = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert PROBLEM_MIMETYPE in problem


def test_interactive_docs_are_served(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"swagger" in response.data.lower()


def test_production_refuses_default_secret(monkeypatch):
    from app.config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "dev-only-secret-change-me-in-production-0000")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


def test_cors_preflight_allows_auth_and_conditional_headers(client):
    response = client.options(
        "/api/v1/products",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": (
                "Authorization, Content-Type, If-None-Match, Idempotency-Key, X-Cart-Token"
            ),
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    # The headers a SPA sends: credentials, conditional reads, checkout's key, the guest cart.
    expected = {"authorization", "content-type", "if-none-match", "idempotency-key", "x-cart-token"}
    assert expected <= {h.strip() for h in allowed.split(",")}
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize(
    "method,url,body",
    [
        ("get", "/api/v1/products?category=a%00b", None),
        ("get", "/api/v1/products?brand=a%00b", None),
        ("get", "/api/v1/products?q=a%00b", None),
        ("post", "/api/v1/auth/login", {"username": "ab\u0000c", "password": "x"}),
        ("post", "/api/v1/auth/login", {"email": "a\u0000@b.com", "password": "x"}),
        (
            "post",
            "/api/v1/auth/register",
            {"name": "N\u0000", "email": "n@b.com", "password": "Xk29-vbnm-qwe", "accept_terms": True},
        ),
        ("post", "/api/v1/auth/verify-email", {"token": "x\u0000y"}),
    ],
)
def test_nul_characters_are_refused_not_a_server_error(client, method, url, body):
    # PostgreSQL text cannot hold NUL: every input path must refuse it as a 4xx.
    response = getattr(client, method)(url, json=body) if body is not None else getattr(client, method)(url)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/api/v1/products/by-slug/a%00b", "/api/v1/categories/by-slug/a%00b", "/media/a%00b"])
def test_nul_in_a_path_is_404(client, url):
    assert client.get(url).status_code == 404


def test_a_fresh_clone_can_migrate_its_sqlite_default(monkeypatch, tmp_path):
    """README's `flask db upgrade` on a fresh clone: instance/ does not exist yet."""
    from flask_migrate import upgrade

    import app as app_package

    instance = tmp_path / "instance"
    monkeypatch.setattr(app_package, "INSTANCE_DIR", instance)
    fresh = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'duka.db'}"})
    assert instance.is_dir()
    with fresh.app_context():
        upgrade(directory=str(Path(app_package.__file__).resolve().parent.parent / "migrations"))
        db.engine.dispose()
    assert (instance / "duka.db").stat().st_size > 0


def test_every_domain_is_registered_in_one_place(app):
    """A package with routes, models or tasks must be in DOMAINS, or its tables, tasks and
    endpoints would silently be missing."""
    from app import DOMAINS

    root = Path(__file__).resolve().parent.parent / "app"
    packages = {
        path.parent.name
        for kind in ("routes.py", "models.py", "tasks.py")
        for path in root.glob(f"*/{kind}")
        if path.parent.name != "common"
    }
    assert packages == set(DOMAINS)
    assert "notifications.send_email" in app.extensions["celery"].tasks
    assert {"outbox_emails", "users", "products", "addresses"} <= set(db.metadata.tables)


@pytest.fixture
def production(monkeypatch):
    """ProductionConfig with settings that pass; each test breaks one."""
    import secrets

    from app.config import ProductionConfig

    for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
        monkeypatch.setattr(ProductionConfig, name, secrets.token_urlsafe(48))
    monkeypatch.setattr(ProductionConfig, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setattr(ProductionConfig, "CORS_ORIGINS", ["https://shop.example.co.ke"])
    monkeypatch.setattr(ProductionConfig, "FRONTEND_URL", "https://shop.example.co.ke")
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    return ProductionConfig


def test_production_starts_with_safe_settings(production, tmp_path):
    app = create_app("production", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    assert app.debug is False


@pytest.mark.parametrize(
    "secret", ["a" * 40, "ab" * 20, "abcd" * 10, "0123456789abcdef" * 2, "changeme-changeme-changeme-chang"]
)
def test_production_refuses_low_entropy_secrets(production, monkeypatch, secret):
    monkeypatch.setattr(production, "JWT_SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="JWT_SECRET_KEY looks guessable"):
        create_app("production")


def test_production_never_serves_the_debugger(production, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="debugger"):
        create_app("production")


def test_production_refuses_per_process_rate_limits(production, monkeypatch):
    monkeypatch.setattr(production, "RATELIMIT_STORAGE_URI", "memory://")
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        create_app("production")


def test_production_warns_about_localhost_urls(production, monkeypatch, caplog, tmp_path):
    monkeypatch.setattr(production, "FRONTEND_URL", "http://localhost:3000")
    with caplog.at_level(logging.WARNING, logger="duka.config"):
        create_app("production", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
    assert any("FRONTEND_URL" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("minutes", [0, -5])
def test_token_lifetimes_must_be_positive(minutes):
    from datetime import timedelta

    with pytest.raises(RuntimeError, match="JWT_ACCESS_TOKEN_EXPIRES"):
        create_app("testing", overrides={"JWT_ACCESS_TOKEN_EXPIRES": timedelta(minutes=minutes)})
    with pytest.raises(RuntimeError, match="PRIVATE_MEDIA_LINK_MINUTES"):
        create_app("testing", overrides={"PRIVATE_MEDIA_LINK_MINUTES": minutes})


def test_every_response_says_nosniff(client):
    for response in (client.get("/api/v1/health"), client.get("/api/v1/nothing-here")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_real_random_secrets_pass_the_entropy_check():
    import secrets

    from app.config import MIN_SECRET_BITS, secret_bits

    # 2,000 keys of 128 random bits (32 hex characters) all pass: the threshold used to refuse
    # about one in 800, so a test of 50 failed one run in sixteen.
    assert min(secret_bits(secrets.token_hex(16)) for _ in range(2000)) >= MIN_SECRET_BITS
    assert secret_bits(secrets.token_urlsafe(48)) > 200
    assert secret_bits("0123456789abcdef" * 2) == secret_bits("0123456789abcdef") == 64


@pytest.mark.own_database
def test_a_full_connection_pool_is_503_with_retry_after(database_url, tmp_path):
    url = database_url if database_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'pool.db'}"
    busy = create_app(
        "testing",
        overrides={
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0, "pool_timeout": 0.2},
        },
    )
    with busy.app_context():
        held = db.engine.connect()  # the one connection the pool has
        try:
            response = busy.test_client().get("/api/v1/categories")
        finally:
            held.close()
            db.engine.dispose()
    body = assert_problem(response, 503, "service_unavailable")
    assert response.headers["Retry-After"] == "2" and "internal" not in body["detail"].lower()


def test_ensure_sync_asks_once_per_function_and_keeps_no_closure(app) -> None:
    import gc
    import weakref

    from app import Duka

    def view() -> str:
        return "ok"

    async def coroutine_view() -> str:
        return "ok"

    assert app.ensure_sync(view) is view and Duka._coroutines[view] is False
    try:
        wrapped = app.ensure_sync(coroutine_view)  # Flask's own wrapping, as before
    except RuntimeError as error:  # Flask without its async extra says so, as it always did
        assert "async" in str(error)
    else:
        assert wrapped is not coroutine_view
    assert Duka._coroutines[coroutine_view] is True
    closure = lambda: None  # noqa: E731  # made per request, as after_this_request's closures are
    app.ensure_sync(closure)
    kept = weakref.ref(closure)
    del closure
    gc.collect()
    assert kept() is None  # the cache did not keep it alive


def test_the_access_line_written_directly_is_the_line_logging_would_write(client, customer) -> None:
    import io
    import json as jsonlib

    from app.common.logging import JsonFormatter, _plain_handler

    access = logging.getLogger("duka.access")
    duka = logging.getLogger("duka")
    handlers, level = list(duka.handlers), duka.level  # the suite adds its capturing handlers
    duka.handlers[:] = [h for h in handlers if isinstance(h.formatter, JsonFormatter)]
    duka.setLevel(logging.INFO)
    try:
        handler = _plain_handler(access)
        assert handler is not None  # the logging as configure_logging left it
        written, stream = io.StringIO(), handler.stream
        handler.setStream(written)
        try:
            client.get("/api/v1/me", headers={**customer.headers, "X-Request-ID": "direct-1"})
        finally:
            handler.setStream(stream)
    finally:
        duka.handlers[:] = handlers
        duka.setLevel(level)
    direct = jsonlib.loads(written.getvalue().splitlines()[-1])
    record = access.makeRecord(access.name, logging.INFO, __file__, 0, "%s %s %s", ("GET", "/api/v1/me", 200), None)
    record.fields = {key: direct[key] for key in direct if key not in ("time", "level", "logger", "message")}
    expected = jsonlib.loads(JsonFormatter().format(record))
    assert {k: v for k, v in direct.items() if k != "time"} == {k: v for k, v in expected.items() if k != "time"}
    assert list(direct) == list(expected)  # the same keys in the same order
    assert direct["request_id"] == "direct-1" and direct["user_id"] == customer.user.id
    # With a handler added on the way (the suite's capture, an operator's): logging's own path.
    assert _plain_handler(access) is None


def test_postgresql_connections_run_queries_without_parallel_workers(app, is_postgres):
    if not is_postgres:
        pytest.skip("a PostgreSQL setting")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW max_parallel_workers_per_gather").scalar() == "0"
    tuned = create_app(
        "testing",
        overrides={"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "DB_PARALLEL_WORKERS": 2},
    )
    with tuned.app_context():
        try:
            with db.engine.connect() as connection:
                assert connection.exec_driver_sql("SHOW max_parallel_workers_per_gather").scalar() == "2"
        finally:
            db.engine.dispose()
    with pytest.raises(RuntimeError, match="DB_PARALLEL_WORKERS"):
        create_app(
            "testing",
            overrides={"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "DB_PARALLEL_WORKERS": -1},
        )
