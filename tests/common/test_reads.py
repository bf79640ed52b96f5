"""read_only views run without a transaction on PostgreSQL, and leave the pool transactional."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Integer, text

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


def test_prepared_rows_run_again_by_the_driver_give_what_sqlalchemy_gives(db_session, is_postgres):
    from sqlalchemy import select

    from app.catalog.models import Product
    from app.common import reads
    from tests.factories import ProductFactory

    product = ProductFactory(name="Kiondo", price="1250.50")
    db.session.flush()
    # Money and time columns: SQLAlchemy converts their values on the way out.
    stmt = select(Product.id, Product.name, Product.price, Product.created_at).where(Product.id == product.id)
    executed: list[str] = []
    connection = db.session.connection()

    def count(_conn, _cursor, statement, *_):  # type: ignore[no-untyped-def]
        executed.append(statement)

    from sqlalchemy import event

    event.listen(connection, "before_cursor_execute", count)
    try:
        first = reads.prepared_rows(stmt)  # through SQLAlchemy: learns the statement
        again = reads.prepared_rows(stmt)  # by the driver, on PostgreSQL
    finally:
        event.remove(connection, "before_cursor_execute", count)
    assert [tuple(row) for row in first] == [tuple(row) for row in again]
    assert [type(value) for value in again[0]] == [type(value) for value in first[0]]
    assert again[0][2] == product.price and again[0][3] == product.created_at
    assert len(executed) == 2  # the driver's run announced to listeners too
    assert isinstance(reads._PREPARED[stmt], reads._Prepared) is is_postgres


def test_prepared_rows_with_an_in_list_stay_with_sqlalchemy(db_session):
    from sqlalchemy import bindparam, select

    from app.catalog.models import Product
    from app.common import reads
    from tests.factories import ProductFactory

    ids = [ProductFactory().id, ProductFactory().id]
    db.session.flush()
    stmt = select(Product.id).where(Product.id.in_(bindparam("ids", expanding=True))).order_by(Product.id)
    assert [row[0] for row in reads.prepared_rows(stmt, {"ids": ids})] == ids
    assert reads._PREPARED[stmt] is None  # expanded per execution: SQLAlchemy's to run
    assert [row[0] for row in reads.prepared_rows(stmt, {"ids": ids[:1]})] == ids[:1]


@pytest.mark.own_database
def test_a_driver_error_is_reported_as_sqlalchemy_reports_it(app, is_postgres):
    from sqlalchemy import bindparam, select
    from sqlalchemy.exc import DBAPIError

    from app.common import reads

    if not is_postgres:
        pytest.skip("SQLite answers a division by zero with NULL, not an error")
    stmt = select(1 / bindparam("n", type_=Integer))

    @read_only
    def view(n: int) -> Any:
        return reads.prepared_rows(stmt, {"n": n})

    with app.test_request_context():
        assert view(1)[0][0] == 1
        assert view(1)[0][0] == 1  # by the driver now (PostgreSQL)
        with pytest.raises(DBAPIError):  # division by zero: SQLAlchemy's error, as from execute()
            view(0)
        assert view(1)[0][0] == 1  # and the next request is served


@pytest.mark.own_database
def test_a_read_only_view_whose_session_ends_inside_it_leaves_the_pool_transactional(app, client, is_postgres):
    @read_only
    def view() -> int:
        value = db.session.execute(text("SELECT 4")).scalar()
        db.session.rollback()  # the session gives its connection back before the view returns
        assert rows(text("SELECT 5")).scalar() == 5
        db.session.close()
        return int(value)

    with app.test_request_context():
        assert view() == 4
        db.session.remove()
        for _ in range(3):  # every pooled connection is back in its usual mode
            with db.engine.connect() as connection:
                assert not getattr(connection.connection.dbapi_connection, "autocommit", False)
    # What schemathesis found: a cart read with a guest token and a token that is no login's.
    response = client.get("/api/v1/cart", headers={"X-Cart-Token": "x" * 43, "Authorization": "Bearer nonsense"})
    assert response.status_code in (401, 404), response.get_json()


@pytest.mark.own_database
def test_a_session_opened_before_a_read_only_view_keeps_a_transaction_it_began(app, is_postgres):
    if not is_postgres:
        pytest.skip("autocommit is PostgreSQL's saving")

    @read_only
    def view() -> tuple[bool, int]:
        dbapi = rows(text("SELECT 1")).connection.connection.dbapi_connection
        return dbapi.autocommit, dbapi.info.transaction_status

    with app.test_request_context():
        db.session()  # open, nothing run yet: its transaction begins in the view, in autocommit
        assert view() == (True, 0)
        db.session.remove()
    with app.test_request_context():
        db.session.execute(text("SELECT 1"))  # begun before, as a signed-in request's session is
        assert view() == (False, 2)  # the same transaction (psycopg2: in transaction)
        db.session.remove()
        for _ in range(3):
            with db.engine.connect() as connection:
                assert not connection.connection.dbapi_connection.autocommit


@pytest.mark.own_database
def test_a_prepared_statement_in_a_read_only_view_runs_without_a_sqlalchemy_connection(app, is_postgres):
    from sqlalchemy import bindparam, event, select

    from app.common import reads

    if not is_postgres:
        pytest.skip("SQLite: the session's connection, as usual")
    stmt = select(bindparam("n", type_=Integer) + 1)

    @read_only
    def view(n: int) -> Any:
        found = reads.prepared_rows(stmt, {"n": n})
        scope = reads._scope.get()
        assert scope is not None
        return found[0][0], scope.connection, scope.raw.dbapi_connection.autocommit

    announced: list[str] = []

    def announce(_conn, _cursor, statement, *_):  # type: ignore[no-untyped-def]
        announced.append(statement)

    with app.test_request_context():
        assert view(1)[0] == 2  # the first run, through SQLAlchemy
        value, connection, autocommit = view(2)
        assert (value, connection, autocommit) == (3, None, True)  # the pool's connection alone
        event.listen(db.engine, "before_cursor_execute", announce)
        try:
            value, connection, _ = view(3)
        finally:
            event.remove(db.engine, "before_cursor_execute", announce)
        assert value == 4 and connection is not None and len(announced) == 1  # listeners still hear it
        with db.engine.connect() as pooled:  # and the pool's connections are transactional again
            assert not getattr(pooled.connection.dbapi_connection, "autocommit", False)


@pytest.mark.own_database
def test_the_hot_catalog_reads_open_no_orm_session(app, client, committed):
    """A listing, a search and a product page read rows on the view's own connection: an ORM
    session opened on the way (to ask it which database this is, say) costs a request its
    opening, a transaction's bookkeeping and its closing."""
    from tests.factories import CategoryFactory, ProductFactory

    with app.app_context():
        phones = CategoryFactory(name="Phones")
        product = ProductFactory(name="Tecno Phone", price="15000.00", category=phones)
        db.session.commit()
        urls = [
            "/api/v1/products",
            "/api/v1/products?q=phone",
            f"/api/v1/products?category={phones.slug}&min_price=100&max_price=50000",
            f"/api/v1/products/{product.id}",
        ]
    opened: list[str] = []
    registry = db.session.registry
    make = registry.createfunc

    def counting():  # type: ignore[no-untyped-def]
        opened.append("session")
        return make()

    for url in urls:
        assert client.get(url).status_code == 200, url  # the first: statements learnt
    registry.createfunc = counting
    try:
        for url in urls:
            assert client.get(url).status_code == 200, url
    finally:
        registry.createfunc = make
    assert opened == []
