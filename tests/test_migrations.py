"""The migrations build exactly the schema the models describe (what `flask db check` checks),
and the catalog ones that rebuild data work both ways."""

from __future__ import annotations

from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from app import create_app
from app.auth.models import User
from app.catalog.models import Category, Product
from app.catalog.services.facets import refresh_cells
from app.common.types import utcnow
from app.extensions import db


def test_models_and_migrations_agree(app, db_session):
    connection = db_session.connection()
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; run `flask db migrate`: {diff}"


@pytest.mark.own_database
def test_catalog_migrations_go_down_and_up_keeping_the_facet_cells(tmp_path):
    """0006 (price bands) and 0005 (search terms) rebuild what they change, both ways."""
    app = create_app(
        "testing",
        overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.db'}", "MEDIA_ROOT": str(tmp_path / "media")},
    )
    with app.app_context():
        upgrade()
        seller = User(
            email="s@example.com",
            name="Seller",
            role="supplier",
            password_hash="!",
            invite_code="SELL0001",
            terms_accepted_at=utcnow(),
        )
        category = Category(name="Tools", slug="tools")
        db.session.add_all([seller, category])
        db.session.flush()
        for i, price in enumerate(("999.99", "1000.00", "1300.00", "5000.00")):
            db.session.add(
                Product(
                    name=f"P{i}",
                    slug=f"p{i}",
                    sku=f"S{i}",
                    price=Decimal(price),
                    stock=1,
                    category_id=category.id,
                    supplier_id=seller.id,
                )
            )
        db.session.flush()
        refresh_cells()
        db.session.commit()

        def cells() -> list[tuple]:
            rows = db.session.execute(text("SELECT product_count, min_price, max_price FROM product_facet_cells"))
            found = sorted(rows.all())
            db.session.rollback()  # SQLite: release the lock before alembic's own connection writes
            return found

        with_bands = cells()
        assert len(with_bands) == 4  # four prices, four bands
        downgrade(revision="0004_primary_image")
        assert cells() == [(4, 99999, 500000)]  # one cell again, bounds in cents
        upgrade()
        assert cells() == with_bands
        db.engine.dispose()


@pytest.mark.own_database
def test_category_visibility_migration_hides_subtrees_of_inactive_categories(tmp_path):
    app = create_app(
        "testing",
        overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'v.db'}", "MEDIA_ROOT": str(tmp_path / "media")},
    )
    with app.app_context():
        upgrade(revision="0006_price_bands")
        db.session.execute(
            text(
                "INSERT INTO categories (id, parent_id, name, slug, is_active, created_at, updated_at) VALUES "
                "(1, NULL, 'Root', 'root', false, '2026-01-01', '2026-01-01'), "
                "(2, 1, 'Child', 'child', true, '2026-01-01', '2026-01-01'), "
                "(3, NULL, 'Open', 'open', true, '2026-01-01', '2026-01-01'), "
                "(4, 3, 'Leaf', 'leaf', true, '2026-01-01', '2026-01-01')"
            )
        )
        db.session.commit()
        upgrade()
        visible = db.session.execute(text("SELECT id, is_visible FROM categories ORDER BY id")).all()
        db.session.rollback()
        assert [tuple(row) for row in visible] == [(1, False), (2, False), (3, True), (4, True)]
        downgrade(revision="0006_price_bands")
        upgrade()
        db.engine.dispose()
