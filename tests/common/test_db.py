"""The unit of work: one commit at the outermost level, hooks that wait for it or undo it."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.catalog.models import Brand
from app.common.db import after_commit, on_rollback, unit_of_work
from app.errors import AppError, Conflict
from app.extensions import db
from tests.factories import BrandFactory


def brand_names() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Brand.name).order_by(Brand.name)))


def test_nested_units_join_the_outer_one_and_commit_once(app, monkeypatch):
    commits: list[bool] = []
    real_commit = db.session.commit
    monkeypatch.setattr(db.session, "commit", lambda: (commits.append(True), real_commit())[1])
    calls: list[str] = []
    with unit_of_work():
        db.session.add(Brand(name="Outer", slug="outer"))
        with unit_of_work():
            db.session.add(Brand(name="Inner", slug="inner"))
            after_commit(calls.append, "inner done")
        assert commits == [] and calls == []  # the inner unit joined: nothing committed yet
    assert commits == [True] and calls == ["inner done"]
    assert brand_names() == ["Inner", "Outer"]


def test_an_error_rolls_everything_back_and_runs_the_undo_work(app):
    calls: list[str] = []
    with pytest.raises(Conflict), unit_of_work():
        db.session.add(Brand(name="Doomed", slug="doomed"))
        with unit_of_work():
            on_rollback(calls.append, "file removed")
            after_commit(calls.append, "never")
        raise Conflict("no")
    assert calls == ["file removed"]
    assert brand_names() == []


def test_a_failed_commit_rolls_back_and_drops_the_after_commit_work(app):
    BrandFactory(name="Tecno", slug="tecno")
    calls: list[str] = []
    with pytest.raises(IntegrityError), unit_of_work():
        db.session.add(Brand(name="Tecno again", slug="tecno"))
        after_commit(calls.append, "dispatched")
        on_rollback(calls.append, "undone")
    assert calls == ["undone"]
    assert brand_names() == ["Tecno"]
    with unit_of_work():  # the session is usable again, with no leftover hooks
        db.session.add(Brand(name="Infinix", slug="infinix"))
    assert calls == ["undone"] and brand_names() == ["Infinix", "Tecno"]


def test_an_error_that_keeps_its_changes_commits_them_and_still_raises(app):
    class Revoked(AppError):
        status, code, title = 401, "test_revoked", "Test revoked"
        keeps_changes = True

    with pytest.raises(Revoked), unit_of_work():
        db.session.add(Brand(name="Trace", slug="trace"))
        raise Revoked("refused, with a trace")
    assert brand_names() == ["Trace"]


def test_a_failed_after_commit_callback_does_not_undo_the_commit(app):
    def broken() -> None:
        raise ConnectionError("broker down")

    with unit_of_work():
        db.session.add(Brand(name="Kept", slug="kept"))
        after_commit(broken)
    assert brand_names() == ["Kept"]
