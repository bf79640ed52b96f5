"""Read-only views (run on an autocommit connection, without a transaction), and `rows()` and
`prepared_rows()`, the ways hot reads run statements that load no ORM object.

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
import weakref
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy import Executable, event
from sqlalchemy.engine import Connection, CursorResult, Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import Pool

from app.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


class _ReadScope:
    """The connection of one read-only view: a pooled DBAPI connection checked out on first use,
    in autocommit, and a SQLAlchemy Connection over it only when one is asked for (`rows()`, a
    statement's first run, cursor events to fire). The prepared statements of a product page
    need none: building and closing it cost 1.2 % of a worker's CPU under load (py-spy)."""

    __slots__ = ("engine", "raw", "connection")

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.raw: Any = None  # the pool's proxy of the DBAPI connection
        self.connection: Connection | None = None

    def dbapi(self) -> Any:
        if self.raw is None:
            raw = self.engine.raw_connection()
            _in_autocommit(raw.dbapi_connection)
            self.raw = raw
        return self.raw

    def connect(self) -> Connection:
        if self.connection is None:
            self.connection = Connection(self.engine, self.dbapi())
        return self.connection

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()  # and the DBAPI connection under it goes back to the pool
        elif self.raw is not None:
            self.raw.close()


@event.listens_for(Session, "after_begin")
def _session_begins_in_autocommit(_session: Session, _transaction: Any, connection: Connection) -> None:
    # The session's transaction begins in a read-only view (an ORM query, or rows() beside an
    # open session): before any statement (psycopg2 sends BEGIN with the first one), so none
    # is sent. A session whose transaction began before the view keeps it.
    scope = _scope.get()
    if scope is not None and connection is not scope.connection:
        _in_autocommit(connection.connection.dbapi_connection)


@event.listens_for(Pool, "checkin")
def _transactional_again(dbapi_connection: Any, _record: Any) -> None:
    # Every connection goes back to the pool in its usual mode, however a read-only view ended
    # (its own connection closed, the session's given back by a rollback, an error, a lost
    # connection), so the next unit of work on it is a real transaction.
    if dbapi_connection is not None and getattr(dbapi_connection, "autocommit", None) is True:
        if not dbapi_connection.closed:
            dbapi_connection.autocommit = False


_scope: ContextVar[_ReadScope | None] = ContextVar("duka_read_scope", default=None)


def _autocommit_engine() -> Engine | None:
    """The engine whose connections a read-only view runs in autocommit: PostgreSQL's, when the
    session is Flask-SQLAlchemy's own. SQLite has no round trips to save; a session factory
    bound to a connection (the test suite's, inside its outer transaction) keeps its
    transaction."""
    if db.session.session_factory.kw.get("bind") is not None:
        return None
    engine = db.engine
    return engine if engine.dialect.name == "postgresql" else None


def _in_autocommit(dbapi_connection: Any) -> None:
    # The DBAPI switch, not SQLAlchemy's isolation_level option: restoring that one on the way
    # back to the pool costs a round trip of its own (SET default_transaction_isolation).
    dbapi_connection.autocommit = True


def read_only(view: F) -> F:
    """Run `view` without a transaction (PostgreSQL). Only for views that never write: a write
    there would commit statement by statement. `rows()` uses a connection of the view's own
    when no ORM session is open (none is opened for it); a session's transaction that begins in
    the view runs in autocommit too (`_session_begins_in_autocommit`). Connections go back to
    the pool in their usual mode (`_transactional_again`). (What the view returns is dumped after
    it: a lazy load there runs in a transaction, as before.)"""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        engine = _autocommit_engine()
        if engine is None:
            return view(*args, **kwargs)
        scope = _ReadScope(engine)
        token = _scope.set(scope)
        try:
            return view(*args, **kwargs)
        finally:
            _scope.reset(token)
            scope.close()

    return wrapper  # type: ignore[return-value]


def rows(stmt: Executable, params: dict[str, Any] | None = None) -> CursorResult[Any]:
    """Run a statement of columns and return plain rows: on a read-only view's own connection,
    or else on the session's connection (its transaction, if any). Session.execute would route
    them through the ORM's result machinery, which loads no object here and cost a listing
    0.3 ms of CPU per request (measured)."""
    return _connection().execute(stmt, params or {})


def _connection() -> Connection:
    scope = _own_scope()
    return scope.connect() if scope is not None else db.session.connection()


def _own_scope() -> _ReadScope | None:
    """The read-only view's scope when its statements run on its own connection: no ORM
    session is open (one that is keeps its connection, and its transaction if it began one)."""
    scope = _scope.get()
    return scope if scope is not None and not db.session.registry.has() else None


class _Prepared:
    """A statement as the DBAPI runs it: its SQL, its compiled form (for the parameters) and
    what SQLAlchemy does to the columns it converts, as (position, converter)."""

    __slots__ = ("sql", "compiled", "converters")

    def __init__(self, sql: str, compiled: Any, processors: list[Any]) -> None:
        self.sql, self.compiled = sql, compiled
        self.converters = [(index, convert) for index, convert in enumerate(processors) if convert is not None]


_PREPARED: weakref.WeakKeyDictionary[Executable, _Prepared | None] = weakref.WeakKeyDictionary()
_UNKNOWN = _Prepared("", None, [])  # not run yet


def _prepare(result: CursorResult[Any]) -> _Prepared | None:
    """What running the statement of `result` again needs, learnt from SQLAlchemy's first run;
    None where the DBAPI cannot run it as it is: another database than PostgreSQL, parameters
    expanded per execution (IN lists) or converted on the way in."""
    context = result.context
    compiled: Any = context.compiled  # (SQLCompiler: typed as its base)
    if (
        context.dialect.name != "postgresql"
        or compiled is None
        or compiled._bind_processors
        or compiled.positional
        or "POSTCOMPILE" in compiled.string
        or not result.returns_rows
    ):
        return None
    processors = list(getattr(result._metadata, "_processors", None) or [])
    return _Prepared(compiled.string, compiled, processors)


def prepared_rows(stmt: Executable, params: dict[str, Any] | None = None) -> Sequence[Any]:
    """All rows of a statement built once per process (at module level or memoised), as tuples
    to unpack by position, on the connection `rows()` would use.

    The first run goes through SQLAlchemy and keeps what it did (the SQL, the columns'
    converters); later runs hand the SQL to the driver's cursor and convert the rows the same
    way: SQLAlchemy's execution and result objects cost a listing's two statements 250 us of
    CPU and a product page's one 100 us (measured), as much as the rest of its Python. The
    engine's cursor events still fire (statement counters, the benchmark's recorder), and a
    driver error runs the statement again through SQLAlchemy, which reports it as it reports
    every error (a lost connection is invalidated and answered 503)."""
    prepared = _PREPARED.get(stmt, _UNKNOWN)
    scope = _own_scope()
    if prepared is None or prepared is _UNKNOWN:
        result = _connection().execute(stmt, params or {})
        if prepared is _UNKNOWN:
            _PREPARED[stmt] = _prepare(result)
        return result.all()
    connection: Connection | None
    if scope is not None:
        proxied, connection, engine = scope.dbapi(), scope.connection, scope.engine
    else:
        connection = db.session.connection()
        proxied, engine = connection.connection, connection.engine
    parameters = prepared.compiled.construct_params(params or {})
    try:
        cursor = proxied.cursor()
        try:
            if (connection or engine).dispatch.before_cursor_execute:  # listeners: give them a Connection
                connection = connection or _connection()
                connection.dispatch.before_cursor_execute(connection, cursor, prepared.sql, parameters, None, False)
            cursor.execute(prepared.sql, parameters)
            found = cursor.fetchall()
        finally:
            cursor.close()
    except engine.dialect.loaded_dbapi.Error:
        return _connection().execute(stmt, params or {}).all()
    converters = prepared.converters
    if converters:
        converted = []
        for row in found:
            values = list(row)
            for index, convert in converters:
                values[index] = convert(values[index])
            converted.append(tuple(values))
        return converted
    return found
