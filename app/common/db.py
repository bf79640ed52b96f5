"""The unit of work: one transaction per write, committed once, with work that must wait for the
commit (dispatching tasks, deleting replaced files) or undo itself on rollback (deleting files
just written).

    with unit_of_work():          # or @unit_of_work() on a function
        ...services change things, never commit...

The outermost `unit_of_work` commits; a nested one joins its caller's transaction, so checkout
can take stock, write the order, empty the cart and queue the email in one commit. Every write
entry point opens one: write routes (app/common/blueprint.py does it for every POST, PUT, PATCH
and DELETE), CLI commands and tasks. Services do not commit.

An exception rolls the unit back, unless it is an `AppError` with `keeps_changes` (a refusal
that must leave its trace, such as revoking a login whose refresh token was replayed): then the
changes commit and the error still reaches the client.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, cast

from sqlalchemy import CursorResult

from app.extensions import db

log = logging.getLogger("duka.db")

_DEPTH = "duka_uow_depth"
_AFTER_COMMIT = "duka_after_commit"
_ON_ROLLBACK = "duka_on_rollback"


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Run the block in one transaction: commit at the outermost level, join when nested."""
    info = db.session.info
    depth = info.get(_DEPTH, 0)
    info[_DEPTH] = depth + 1
    try:
        yield
    except BaseException as error:
        info[_DEPTH] = depth
        if depth == 0:
            if getattr(error, "keeps_changes", False):
                commit()
            else:
                rollback()
        raise
    info[_DEPTH] = depth
    if depth == 0:
        commit()


def after_commit(callback: Callable[..., Any], *args: Any) -> None:
    """Call `callback(*args)` once the current transaction has committed (never if it rolls back).

    For work outside the database: dispatching a task (`after_commit(send_email.delay, id)`),
    deleting a file the change no longer points at. A failing callback is logged; the commit
    stands (a task's row stays pending for its retry)."""
    db.session.info.setdefault(_AFTER_COMMIT, []).append((callback, args))


def on_rollback(callback: Callable[..., Any], *args: Any) -> None:
    """Call `callback(*args)` if the current transaction rolls back (e.g. delete a file just
    written for a row that will not exist)."""
    db.session.info.setdefault(_ON_ROLLBACK, []).append((callback, args))


def commit() -> None:
    """Commit the session, then run the after-commit work; a failed commit rolls back (and runs
    the on-rollback work) before the error propagates."""
    info = db.session.info
    try:
        db.session.commit()
    except BaseException:
        rollback()
        raise
    info.pop(_ON_ROLLBACK, None)
    _run(info.pop(_AFTER_COMMIT, []), "after commit")


def rollback() -> None:
    """Roll the session back, drop the after-commit work and run the on-rollback work."""
    info = db.session.info
    db.session.rollback()
    info.pop(_AFTER_COMMIT, None)
    _run(reversed(info.pop(_ON_ROLLBACK, [])), "on rollback")


def _run(callbacks: Any, when: str) -> None:
    for callback, args in list(callbacks):
        try:
            callback(*args)
        except Exception:
            log.exception("%s: %s%r failed", when, getattr(callback, "__qualname__", callback), args)


def is_postgresql() -> bool:
    """Whether the app's database is PostgreSQL (row locks, full-text search, ...). Asked of
    the engine: asking the session's bind opened a session, in a read-only view that has none."""
    return db.engine.dialect.name == "postgresql"


def insert_unless_exists(
    model: Any, values: dict[str, Any], conflict_columns: list[str], *, where: Any | None = None
) -> Any | None:
    """INSERT a row of `model` unless one with the same `conflict_columns` (a unique constraint,
    or a partial unique index whose condition is `where`) exists: `INSERT ... ON CONFLICT DO
    NOTHING RETURNING id`, one round trip on PostgreSQL and SQLite alike. Returns the new row's
    id, or None when it existed. A concurrent insert of the same key waits for the other
    transaction and then finds it (no IntegrityError to catch)."""
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        insert(model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict_columns, index_where=where)
        .returning(model.id)
    )
    return db.session.scalar(stmt)


def changed_rows(stmt: Any) -> int:
    """Run an UPDATE or DELETE and say how many rows it changed: the answer a conditional UPDATE
    (a compare-and-set on a status or a claim column) gives to "did I win?"."""
    return cast(CursorResult[Any], db.session.execute(stmt)).rowcount or 0
