"""The Duka application factory."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import weakref
from pathlib import Path
from typing import Any

from dotenv import load_dotenv

# .env is read before the settings are, so its values count as environment.
load_dotenv()

from flask import Flask  # noqa: E402
from flask.sessions import SessionInterface  # noqa: E402
from sqlalchemy import event  # noqa: E402
from werkzeug.middleware.proxy_fix import ProxyFix  # noqa: E402

from app.common.bodies import JsonProvider  # noqa: E402
from app.common.http import DukaRequest, DukaResponse  # noqa: E402
from app.common.limits import drop_idle_limit_hook, init_counters  # noqa: E402
from app.config import INSTANCE_DIR, check_lifetimes, config_for, env_int  # noqa: E402
from app.extensions import api, compress, cors, db, jwt, limiter, migrate  # noqa: E402


def create_app(config_name: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app for `config_name` (development, testing, production; default: APP_ENV)."""
    app = Duka(__name__, instance_path=str(INSTANCE_DIR), static_folder=None)
    app.json = JsonProvider(app)  # depth-checked parsing for get_json too (app/common/bodies.py)
    app.response_class = DukaResponse  # headers looked up without exceptions (app/common/http.py)
    app.request_class = DukaRequest  # and query parameters
    config = config_for(config_name)
    app.config.from_object(config)
    app.config.update(overrides or {})
    check_lifetimes(app.config)
    if app.config.get("TESTING"):
        from app.common import dumping

        dumping.CROSSCHECK = True  # every response of the suite dumped both ways and compared
    if app.config["ENV_NAME"] == "production":
        config.check()  # type: ignore[attr-defined]
        app.debug = False
    app.json.sort_keys = False  # (DefaultJSONProvider's setting)
    app.session_interface = NoCookieSessions()  # a token API: no cookie session to read or write

    proxies = env_int("TRUSTED_PROXY_COUNT", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)  # type: ignore[method-assign]

    from app.common.converters import document_converters, install_converters
    from app.common.http import compress_only_above_its_minimum, cors_only_with_an_origin, init_http
    from app.common.logging import configure_logging, init_request_context
    from app.common.tasks import init_celery
    from app.errors import register_error_handlers

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)  # the SQLite default lives there
    configure_logging(app)
    init_request_context(app)  # before the limiter: its hook must see a fresh request
    init_http(app)  # before the limiter too: its after_request then runs after the limiter's
    db.init_app(app)
    _tune_sqlite(app)
    _tune_postgresql(app)
    migrate.init_app(app, db, directory=str(INSTANCE_DIR.parent / "migrations"), compare_type=True)
    jwt.init_app(app)
    limiter.init_app(app)
    init_counters(app)  # failed logins, prompts per phone: counters in the limits' storage
    cors.init_app(
        app,
        resources={r"/api/*": {"origins": app.config["CORS_ORIGINS"]}},
        always_send=CORS_ALWAYS_SEND,
        vary_header=False,  # `Vary: Origin` is set on the cacheable reads (http.conditional)
        expose_headers=[
            "X-Request-ID",
            "Retry-After",
            "X-RateLimit-Limit",
            "X-RateLimit-Remaining",
            "X-RateLimit-Reset",
            "ETag",
            "Location",
            "Idempotent-Replayed",
        ],
        allow_headers=[
            "Authorization",
            "Content-Type",
            "If-None-Match",
            "X-Request-ID",
            "X-Cart-Token",
            "Idempotency-Key",
        ],
        max_age=600,
    )
    cors_only_with_an_origin(app, always_send=CORS_ALWAYS_SEND)
    compress.init_app(app)
    compress_only_above_its_minimum(app)
    install_converters(app)
    api.init_app(app)
    register_error_handlers(app)  # after api.init_app: ours replace flask-smorest's handlers
    document_converters(api)
    init_celery(app)

    from app.auth.sessions import init_jwt

    init_jwt(app)
    _register_domains(app)
    drop_idle_limit_hook(app, limiter)  # after the blueprints: their limits count

    from app.sandbox import init_sandbox

    init_sandbox(app)  # development and tests: the providers played locally (not in production)

    from app.cli import register_cli

    register_cli(app)
    return app


# CORS headers only to browsers (they send Origin): Flask-CORS would otherwise name an allowed
# origin in every answer to curl or a mobile app, which is noise at best.
CORS_ALWAYS_SEND = False


class Duka(Flask):
    """Flask, asking once per function whether it is a coroutine function: Flask asks on every
    call of every hook and view (`ensure_sync`, fourteen times a catalog read), and the answer
    never changes. (Duka has no async views; Flask's own wrapping still applies if one comes.)"""

    # Weak keys: a function made per request (an after_this_request closure) is not kept.
    _coroutines: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()

    def ensure_sync(self, func: Any) -> Any:
        key = getattr(func, "__func__", func)  # a bound method: its function (a new object each time)
        try:
            is_coroutine = self._coroutines.get(key)
            if is_coroutine is None:
                is_coroutine = self._coroutines[key] = inspect.iscoroutinefunction(func)
        except TypeError:  # not weakly referable
            is_coroutine = inspect.iscoroutinefunction(func)
        return self.async_to_sync(func) if is_coroutine else func


class NoCookieSessions(SessionInterface):
    def open_session(self, app: Flask, request: Any) -> Any:
        return self.make_null_session(app)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        return None


# Every domain, in one place. For each, create_app imports what it has by module name: `models`
# (so Alembic and create_all see its tables), `events` (ORM listeners that keep derived data
# true), `tasks` (so a Celery worker knows them by name), and `routes`, whose `blp` is
# registered on the API and whose `PLAIN_BLUEPRINTS` (if any) on the app. A new domain is one
# more name here (tests/test_app.py checks that none is missing).
DOMAINS = (
    "system",
    "notifications",
    "auth",
    "users",
    "ledger",
    "catalog",
    "cart",
    "orders",
    "payments",
    "payouts",
    "wallet",
    "sellers",
    "reviews",
    "questions",
    "returns",
    "admin",
)


def _domain_module(domain: str, kind: str) -> Any:
    name = f"app.{domain}.{kind}"
    # (import_module: a plain `import app.x` here would rebind the local name `app`.)
    return importlib.import_module(name) if importlib.util.find_spec(name) else None


def _register_domains(app: Flask) -> None:
    for domain in DOMAINS:
        for kind in ("models", "events", "tasks"):
            _domain_module(domain, kind)
        routes = _domain_module(domain, "routes")
        if routes is not None:
            api.register_blueprint(routes.blp)
            for blueprint in getattr(routes, "PLAIN_BLUEPRINTS", ()):
                app.register_blueprint(blueprint)


def _tune_postgresql(app: Flask) -> None:
    """On PostgreSQL: each new connection asks for the session settings the app runs under
    (`DB_PARALLEL_WORKERS`), in its start-up packet: no round trip, and no transaction whose
    rollback could undo them."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    with app.app_context():
        engine = db.engine
    workers = int(app.config["DB_PARALLEL_WORKERS"])
    if workers < 0:  # PostgreSQL would refuse every connection, each request a 503
        raise RuntimeError("DB_PARALLEL_WORKERS must be 0 or more")
    settings = f"-c max_parallel_workers_per_gather={workers}"

    @event.listens_for(engine, "do_connect")
    def on_connect(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        params["options"] = f"{params['options']} {settings}" if params.get("options") else settings


def _tune_sqlite(app: Flask) -> None:
    """On SQLite: enforce foreign keys, and let SQLAlchemy (not the driver) open transactions,
    which SAVEPOINT-based test isolation needs.

    Transactions start with BEGIN IMMEDIATE: two deferred transactions that both read and then
    write would deadlock ("database is locked") under two gunicorn workers; taking the write
    lock up front makes them queue for it instead (busy_timeout). WAL lets readers go on.
    """
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
