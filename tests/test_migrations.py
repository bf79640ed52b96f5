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
from app.catalog.models import Category, Product, Seller
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
        store = Seller(owner_id=seller.id, name="Seller", slug="seller")
        db.session.add(store)
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
                    seller_id=store.id,
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


@pytest.mark.own_database
def test_suppliers_become_sellers_and_their_products_move_with_them(tmp_path, monkeypatch):
    """0020: each supplier gets a store of their own (names kept unique), admins' products go to
    the house seller (two admins' SKUs made unique), order lines, facet cells and search terms
    follow; and back down again."""
    monkeypatch.setenv("STORE_NAME", "Soko")
    app = create_app(
        "testing",
        overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 's.db'}", "MEDIA_ROOT": str(tmp_path / "media")},
    )
    stamp = "'2026-01-01'"
    with app.app_context():
        upgrade(revision="0019_return_images")
        users = [
            (1, "sami@x.ke", "supplier", "Sami"),
            (2, "sami2@x.ke", "supplier", "Sami"),
            (3, "a@x.ke", "admin", "A"),
            (4, "b@x.ke", "admin", "B"),
            (5, "c@x.ke", "customer", "C"),
            (6, "idle@x.ke", "supplier", "Idle"),
        ]
        for uid, email, role, name in users:
            db.session.execute(
                text(
                    "INSERT INTO users (id, email, password_hash, role, name, invite_code, marketing_opt_in, "
                    f"terms_accepted_at, is_active, created_at, updated_at) VALUES ({uid}, '{email}', '!', '{role}', "
                    f"'{name}', 'INV{uid}', false, {stamp}, true, {stamp}, {stamp})"
                )
            )
        db.session.execute(
            text(
                f"INSERT INTO categories (id, name, slug, is_active, is_visible, created_at, updated_at) "
                f"VALUES (1, 'Tools', 'tools', true, true, {stamp}, {stamp})"
            )
        )
        for pid, supplier, sku in [(1, 1, "S1"), (2, 1, "S2"), (3, 2, "S1"), (4, 3, "X"), (5, 4, "X")]:
            db.session.execute(
                text(
                    "INSERT INTO products (id, supplier_id, category_id, name, slug, description, sku, price, "
                    "currency, stock, condition, specifications, is_active, rating_average, rating_count, "
                    "created_at, updated_at) "
                    f"VALUES ({pid}, {supplier}, 1, 'P{pid}', 'p{pid}', '', '{sku}', 10000, 'KES', 1, 'new', '{{}}', "
                    f"true, 0, 0, {stamp}, {stamp})"
                )
            )
        db.session.execute(
            text(
                "INSERT INTO orders (id, reference, user_id, status, payment_method, currency, subtotal, delivery_fee, "
                f"total, shipping_address, delivery_zone, created_at, updated_at) VALUES (1, 'DKMIGRATE1', 5, 'paid', "
                f"'cash', 'KES', 10000, 0, 10000, '{{}}', '{{}}', {stamp}, {stamp})"
            )
        )
        db.session.execute(
            text(
                "INSERT INTO order_lines (order_id, product_id, supplier_id, name, sku, unit_price, quantity, "
                "line_total) "
                "VALUES (1, 3, 2, 'P3', 'S1', 10000, 1, 10000), (1, 5, 4, 'P5', 'X', 10000, 1, 10000)"
            )
        )
        db.session.commit()

        upgrade()
        sellers = {row.name: row for row in db.session.execute(text("SELECT * FROM sellers ORDER BY id"))}
        products = dict(db.session.execute(text("SELECT id, seller_id FROM products")).all())
        skus = dict(db.session.execute(text("SELECT id, sku FROM products")).all())
        lines = db.session.execute(text("SELECT product_id, seller_id FROM order_lines ORDER BY product_id")).all()
        accounts = db.session.execute(
            text("SELECT user_id, store_id, status FROM seller_accounts ORDER BY user_id")
        ).all()
        db.session.rollback()
        assert set(sellers) == {"Soko", "Sami", "Sami (2)", "Idle"}
        assert sellers["Soko"].is_house and sellers["Soko"].owner_id is None and sellers["Soko"].slug == "soko"
        assert (sellers["Sami"].owner_id, sellers["Sami (2)"].owner_id, sellers["Sami (2)"].slug) == (1, 2, "sami-2")
        assert products == {
            1: sellers["Sami"].id,
            2: sellers["Sami"].id,
            3: sellers["Sami (2)"].id,
            4: sellers["Soko"].id,
            5: sellers["Soko"].id,
        }
        assert (skus[4], skus[5]) == ("X", "X-5")  # one house seller, one SKU each
        assert [tuple(line) for line in lines] == [(3, sellers["Sami (2)"].id), (5, sellers["Soko"].id)]
        # 0021: each store but the house seller has its owner's approved account.
        assert [tuple(a) for a in accounts] == [
            (1, sellers["Sami"].id, "approved"),
            (2, sellers["Sami (2)"].id, "approved"),
            (6, sellers["Idle"].id, "approved"),
        ]

        downgrade(revision="0019_return_images")
        back = dict(db.session.execute(text("SELECT id, supplier_id FROM products")).all())
        db.session.rollback()
        assert back == {1: 1, 2: 1, 3: 2, 4: 3, 5: 3}  # the house seller's go to the first admin
        upgrade()
        db.engine.dispose()
