"""The migrations build exactly the schema the models describe (what `flask db check` checks)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_models_and_migrations_agree(app, db_session):
    connection = db_session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"
