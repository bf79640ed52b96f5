"""Read-only views (run on an autocommit connection, without a transaction) and `rows()`, the
way hot reads run statements that load no ORM object.

A transaction costs a read-only request two extra round trips on PostgreSQL (psycopg2 sends
BEGIN before the first query and the session ends with ROLLBACK): a product page is three round
trips with one, one without (counted with strace). At READ COMMITTED every statement takes its own snapshot inside a
transaction or not, so the reads see the same data either way.

A read-only view opens no ORM session unless its code asks for one: `rows()` there runs on a
connection of its own, taken from the pool on first use. Opening and closing a session around
one connection cost a product page 40-130 us of CPU (measured), as much as its dump and JSON.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import Executable, event
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.orm import Session

from app.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


class _ReadScope:
    """The connection of one read-only view, checked out on first use, in autocommit, and the
    session's, if the view's code opened one (put in autocommit as it begins)."""

    __slots__ = ("engine", "connection", "session_connections")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None
        self.session_connections: list[Connection] = []

    def connect(self) -> Connection:
        if self.connection is None:
            connection = self.engine.connect()
            # The DBAPI switch, not SQLAlchemy's isolation_level option: restoring that one on
            # the way back to the pool costs a round trip of its own (SET default_transaction_isolation).
            connection.connection.dbapi_connection.autocommit = True  # type: ignore[union-attr]
            self.connection = connection
        return self.connection

    def close(self) -> None:
        for connection in self.session_connections:
            _back_to_transactions(connection)  # the session gives it back when it closes
        if self.connection is not None:
            _back_to_transactions(self.connection)
            self.connection.close()


@event.listens_for(Session, "after_begin")
def _session_begins_in_autocommit(_session: Session, _transaction: Any, connection: Connection) -> None:
    # Before any statement (psycopg2 sends BEGIN with the first one), so none is sent.
    scope = _scope.get()
    if scope is not None and connection is not scope.connection:
        connection.connection.dbapi_connection.autocommit = True  # type: ignore[union-attr]
        scope.session_connections.append(connection)


_scope: ContextVar[_ReadScope | None] = ContextVar("duka_read_scope", default=None)


def _back_to_transactions(connection: Connection) -> None:
    dbapi = connection.connection.dbapi_connection
    if not dbapi.closed:  # type: ignore[union-attr]  # (a lost connection is discarded anyway)
        dbapi.autocommit = False  # type: ignore[union-attr]


def _own_connection_possible() -> Engine | None:
    """The engine a read-only view may take its own connection from: PostgreSQL's, when the
    session is Flask-SQLAlchemy's own and none is open yet. SQLite has no round trips to save;
    a session factory bound to a connection (the test suite's, inside its outer transaction)
    and an open session keep their transaction."""
    if db.session.registry.has() or db.session.session_factory.kw.get("bind") is not None:
        return None
    engine = db.engine
    return engine if engine.dialect.name == "postgresql" else None


def read_only(view: F) -> F:
    """Run `view` without a transaction (PostgreSQL). Only for views that never write: a write
    there would commit statement by statement. `rows()` uses a connection of the view's own
    (no ORM session opened); ORM queries run on the session's connection, also in autocommit.
    Connections go back to the pool in their usual mode. (What the view returns is dumped after
    it: a lazy load there runs in a transaction, as before.)"""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        engine = _own_connection_possible()
        if engine is None:
            return _in_session_autocommit(view, *args, **kwargs)
        scope = _ReadScope(engine)
        token = _scope.set(scope)
        try:
            return view(*args, **kwargs)
        finally:
            _scope.reset(token)
            scope.close()

    return wrapper  # type: ignore[return-value]


def _in_session_autocommit(view: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    session = db.session
    bind = session.get_bind()
    if not (isinstance(bind, Engine) and bind.dialect.name == "postgresql") or session().in_transaction():
        return view(*args, **kwargs)
    connection = session.connection()
    connection.connection.dbapi_connection.autocommit = True  # type: ignore[union-attr]
    try:
        return view(*args, **kwargs)
    finally:
        _back_to_transactions(connection)


def rows(stmt: Executable, params: dict[str, Any] | None = None) -> CursorResult[Any]:
    """Run a statement of columns and return plain rows: on a read-only view's own connection,
    or else on the session's connection (its transaction, if any). Session.execute would route
    them through the ORM's result machinery, which loads no object here and cost a listing
    0.3 ms of CPU per request (measured)."""
    scope = _scope.get()
    if scope is not None and not db.session.registry.has():
        return scope.connect().execute(stmt, params or {})
    return db.session.connection().execute(stmt, params or {})
