"""Read-only views: run on an autocommit connection, without a transaction.

A transaction costs a read-only request two extra round trips on PostgreSQL (psycopg2 sends
BEGIN before the first query and the session ends with ROLLBACK): a product page is three round
trips with one, one without (counted with strace). At READ COMMITTED every statement takes its own snapshot inside a
transaction or not, so the reads see the same data either way.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.engine import Engine

from app.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def read_only(view: F) -> F:
    """Run `view` on an autocommit connection (PostgreSQL). Only for views that never write: a
    write there would commit statement by statement. SQLite has no round trips to save, and a
    session bound to an outer connection (the test suite's) keeps its transaction. The
    connection goes back to the pool in its usual mode."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bind = db.session.get_bind()
        if not (isinstance(bind, Engine) and bind.dialect.name == "postgresql") or db.session().in_transaction():
            return view(*args, **kwargs)
        # The DBAPI switch, not SQLAlchemy's isolation_level option: restoring that one on the
        # way back to the pool costs a round trip of its own (SET default_transaction_isolation).
        dbapi = db.session.connection().connection.dbapi_connection
        dbapi.autocommit = True  # type: ignore[union-attr]
        try:
            return view(*args, **kwargs)
        finally:
            if not dbapi.closed:  # type: ignore[union-attr]  # (a lost connection is discarded anyway)
                dbapi.autocommit = False  # type: ignore[union-attr]

    return wrapper  # type: ignore[return-value]
