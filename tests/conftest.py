"""Fixtures: one app per test process, each test isolated in a rolled-back transaction.

SQLite by default; `TEST_DATABASE_URL=postgresql://...` runs the same suite on PostgreSQL (each
xdist worker gets its own throw-away database next to the one named).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg2
import pytest
import responses
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.auth.models import User
from app.common.limits import EXTENSION
from app.extensions import db, limiter
from app.sandbox.store import EXTENSION as SANDBOX
from tests.factories import DEFAULT_PASSWORD, AddressFactory, DeliveryZoneFactory, SellerFactory, UserFactory
from tests.helpers import bearer, tokens_for

POSTGRES_ONLY = "postgresql"


def _worker_database(base_url: str, worker: str) -> str:
    """Create a fresh PostgreSQL database for this worker; return its URL."""
    url = make_url(base_url)
    name = f"{url.database}_{worker}".lower()
    admin = psycopg2.connect(
        dbname=url.database, user=url.username, password=url.password, host=url.host, port=url.port or 5432
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if base and base.startswith(("postgres://", "postgresql")):
        return _worker_database(base.replace("postgres://", "postgresql://", 1), f"pytest_{worker_id}")
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    files = tmp_path_factory.mktemp("files")
    app = create_app(
        "testing",
        overrides={
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MEDIA_ROOT": str(files / "media"),
            "PRIVATE_MEDIA_ROOT": str(files / "private-media"),
            "MAIL_OUTBOX_DIR": str(files / "outbox"),
            "PAYMENT_SANDBOX_DIR": str(files / "sandbox"),
        },
    )
    with app.app_context():
        upgrade()  # the schema comes from the migrations, so the tests exercise them too
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def db_session(request: pytest.FixtureRequest, app: Flask) -> Iterator[Any]:
    """Run the test inside a transaction that is rolled back; the app's commits become SAVEPOINTs.

    Tests marked `own_database` build their own app and database connection instead.
    """
    if request.node.get_closest_marker("own_database"):
        yield None
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        # Scoped by app context, as Flask-SQLAlchemy's own session is: a task (which runs in an
        # app context of its own) gets a session of its own, on the same rolled-back connection.
        session = scoped_session(
            sessionmaker(bind=connection, join_transaction_mode="create_savepoint"), scopefunc=_app_ctx_id
        )
        db.session = session  # type: ignore[assignment]
        try:
            yield session
        finally:
            session.remove()
            db.session = original  # type: ignore[assignment]
            if outer.is_active:
                outer.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def fresh_rate_limits(app: Flask) -> None:
    """Each test starts with every rate-limit budget whole (also the `own_database` ones), and
    owes no sandbox callback of an earlier test."""
    limiter.reset()
    app.extensions[EXTENSION].storage.reset()
    app.extensions[SANDBOX].pending.clear()


@pytest.fixture
def sandbox(app: Flask, client: FlaskClient) -> Iterator[responses.RequestsMock]:
    """The network as `make run` has it: whatever the app sends to PUBLIC_BASE_URL (the payment
    sandbox's APIs, and the sandbox's callbacks to our own routes) is served by the app itself,
    through the test client; anything else is refused. `deliver(app)` posts the callbacks the
    sandbox owes."""
    base = app.config["PUBLIC_BASE_URL"]

    def serve(request: Any) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(request.url)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("accept-encoding", "content-length")}
        answer = app.test_client().open(
            url.path, base_url=base, method=request.method, query_string=url.query, headers=headers, data=request.body
        )
        kept = {k: v for k, v in answer.headers.items() if k.lower() not in ("content-length", "content-encoding")}
        return answer.status_code, kept, answer.get_data()

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for method in ("GET", "POST"):
            mock.add_callback(method, re.compile(re.escape(base) + r"/.*"), callback=serve)
        yield mock


class RequestPerContextClient(FlaskClient):
    """Each request runs in an app context of its own, as in production: its own `g` and its own
    database session (on the test's rolled-back connection), not the test body's."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():  # the test body's: what it holds was read before the request ran
            db.session.expire_all()
        return response


@pytest.fixture
def committed(app: Flask, is_postgres: bool) -> Iterator[None]:
    """Real commits across connections (PostgreSQL); every table is emptied afterwards, since
    the usual rollback cannot undo them. Use with @pytest.mark.own_database."""
    if not is_postgres:
        pytest.skip("needs PostgreSQL: row locks across connections")
    yield
    with app.app_context():
        tables = ", ".join(t.name for t in db.metadata.sorted_tables if t.name != "alembic_version")
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()


@pytest.fixture(autouse=True)
def empty_mail_outbox(app: Flask) -> None:
    """Each test starts with no delivered .eml files (helpers.token_from_email reads them)."""
    for path in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"):
        path.unlink()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = RequestPerContextClient
    return app.test_client()


@pytest.fixture
def is_postgres(app: Flask) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith(POSTGRES_ONLY)


# Users and tokens --------------------------------------------------------------------------------


class Actor:
    """A user together with ready-made auth headers."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.password = DEFAULT_PASSWORD
        self.tokens = tokens_for(user)
        self.headers = bearer(self.tokens["access_token"])
        self.refresh_headers = bearer(self.tokens["refresh_token"])


@pytest.fixture
def customer() -> Actor:
    return Actor(UserFactory(role="customer"))


@pytest.fixture
def other_customer() -> Actor:
    return Actor(UserFactory(role="customer"))


@pytest.fixture
def supplier() -> Actor:
    """A supplier with a store to sell through."""
    user = UserFactory(role="supplier")
    SellerFactory(owner_id=user.id)
    return Actor(user)


@pytest.fixture
def admin() -> Actor:
    return Actor(UserFactory(role="admin"))


# Email -------------------------------------------------------------------------------------------


@pytest.fixture
def outbox_dir(app: Flask) -> Path:
    return Path(app.config["MAIL_OUTBOX_DIR"])


@pytest.fixture
def zone() -> Any:
    """A delivery zone for all of Nairobi county: 250.00, free from 5000.00."""
    return DeliveryZoneFactory(name="Nairobi Metro", counties=["Nairobi"], fee="250.00", free_over="5000.00")


@pytest.fixture
def address(customer: Actor) -> Any:
    """The `customer`'s default address, in Nairobi."""
    return AddressFactory(user_id=customer.user.id, county="Nairobi", town="Nairobi", is_default=True)
