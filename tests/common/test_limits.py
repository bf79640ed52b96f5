"""Flask-Limiter's per-request hook is kept only where an app-wide limit needs it."""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from app.common.limits import drop_idle_limit_hook


def _app_with(limiter: Limiter) -> Flask:
    app = Flask("limits")
    app.config["RATELIMIT_STORAGE_URI"] = "memory://"
    limiter.init_app(app)

    @app.get("/free")
    def free() -> str:
        return "free"

    @app.get("/limited")
    @limiter.limit("1/minute")
    def limited() -> str:
        return "limited"

    return app


def _has_check(app: Flask) -> bool:
    hooks = app.before_request_funcs[None]
    return any(getattr(hook, "__func__", None) is Limiter._check_request_limit for hook in hooks)


def test_without_app_wide_limits_the_hook_goes_and_route_limits_still_hold() -> None:
    app = _app_with(Limiter(key_func=get_remote_address, headers_enabled=True))
    assert _has_check(app)
    assert drop_idle_limit_hook(app, app.extensions["limiter"].copy().pop()) is True
    assert not _has_check(app)
    client = app.test_client()
    first, second = client.get("/limited"), client.get("/limited")
    assert (first.status_code, second.status_code) == (200, 429)
    assert first.headers["X-RateLimit-Limit"] == "1" and first.headers["X-RateLimit-Remaining"] == "0"
    assert [client.get("/free").status_code for _ in range(3)] == [200, 200, 200]


def test_an_app_wide_default_limit_keeps_the_hook() -> None:
    app = _app_with(Limiter(key_func=get_remote_address, default_limits=["2/minute"]))
    assert drop_idle_limit_hook(app, app.extensions["limiter"].copy().pop()) is False
    assert _has_check(app)
    client = app.test_client()
    assert [client.get("/free").status_code for _ in range(3)] == [200, 200, 429]


def test_the_app_checks_limits_only_on_the_routes_that_have_them(app, client) -> None:
    assert not _has_check(app)  # no app-wide limit: every catalog read is spared the hook
    response = client.get("/api/v1/products")
    assert response.status_code == 200 and "X-RateLimit-Limit" not in response.headers
