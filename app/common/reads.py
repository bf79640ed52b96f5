"""Read-only views: run on an autocommit connection, without a transaction.

A transaction costs a read-only request two extra round trips on PostgreSQL (psycopg2 sends
BEGIN before the first query and the session ends with ROLLBACK), as many as the reads of a
product page themselves. At READ COMMITTED every statement takes its own snapshot inside a
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
    session bound to an outer connection (the test suite's) keeps its transaction."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        bind = db.session.get_bind()
        if isinstance(bind, Engine) and bind.dialect.name == "postgresql" and not db.session().in_transaction():
            # The pool puts the connection back to its default isolation level when it returns.
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
