"""read_only views run without a transaction on PostgreSQL, and leave the pool transactional."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.common.reads import read_only, rows
from app.extensions import db


@pytest.mark.own_database
def test_read_only_view_runs_in_autocommit_and_the_pool_is_reset(app, is_postgres):
    @read_only
    def view() -> tuple[bool | None, int | None]:
        assert db.session.execute(text("SELECT 1")).scalar() == 1
        if not is_postgres:
            return None, None  # SQLite: nothing to save, the view runs as usual
        dbapi = db.session.connection().connection.dbapi_connection
        return dbapi.autocommit, dbapi.info.transaction_status

    with app.test_request_context():
        autocommit, status = view()
        db.session.remove()
        if is_postgres:
            assert autocommit is True and status == 0  # idle: no BEGIN was sent
        # A later unit of work on a pooled connection is a real transaction again.
        with db.engine.connect() as connection:
            dbapi = connection.connection.dbapi_connection
            assert not getattr(dbapi, "autocommit", False)


@pytest.mark.own_database
def test_rows_in_a_read_only_view_open_no_session_and_no_transaction(app, is_postgres):
    @read_only
    def view() -> tuple[int, bool, bool | None, int | None]:
        value = rows(text("SELECT 2")).scalar()
        if not is_postgres:
            return value, True, None, None  # SQLite: the session's connection, as usual
        dbapi = rows(text("SELECT 3")).connection.connection.dbapi_connection  # the same one
        return value, db.session.registry.has(), dbapi.autocommit, dbapi.info.transaction_status

    with app.test_request_context():
        value, session_opened, autocommit, status = view()
        assert value == 2
        if is_postgres:
            assert session_opened is False  # no ORM session: nothing to open and close
            assert autocommit is True and status == 0  # idle: no BEGIN was sent
        with db.engine.connect() as connection:  # the pool's connections are transactional again
            assert not getattr(connection.connection.dbapi_connection, "autocommit", False)


@pytest.mark.own_database
def test_public_catalog_reads_work_on_the_real_engine(app, client, is_postgres):
    # The suite's other tests run inside one outer transaction, where read_only steps aside;
    # here the views run as in production.
    for url in ("/api/v1/products", "/api/v1/categories", "/api/v1/brands"):
        response = client.get(url)
        assert response.status_code == 200, (url, response.get_json())
    missing = client.get("/api/v1/products/2147483000")  # the database holds no such product
    assert missing.status_code == 404 and missing.get_json()["code"] == "product_not_found"


def test_rows_runs_in_the_session_transaction_and_returns_plain_rows(db_session):
    from sqlalchemy import select

    from app.auth.models import User
    from app.common.reads import rows
    from tests.factories import UserFactory

    user = UserFactory(email="rows@example.com")
    db.session.flush()  # not committed: only the session's own transaction can see it
    found = rows(select(User.id, User.email).where(User.email == "rows@example.com")).all()
    assert [tuple(row) for row in found] == [(user.id, "rows@example.com")]
    assert rows(select(User.id).where(User.id == -1)).scalar() is None
