"""Concurrent writers keep the facet cells exact (PostgreSQL, real commits across connections)."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import text

from app.auth.models import User
from app.catalog.models import Category, ProductFacetCell
from app.catalog.services import products
from app.catalog.services.facets import refresh_cells
from app.extensions import db


@pytest.fixture
def committed(app, is_postgres):
    """Real commits; every table is emptied afterwards (the usual rollback cannot undo them)."""
    if not is_postgres:
        pytest.skip("needs PostgreSQL: row locks across connections")
    yield
    with app.app_context():
        tables = ", ".join(t.name for t in db.metadata.sorted_tables if t.name != "alembic_version")
        db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()


def cells() -> list[tuple]:
    return sorted(
        (c.category_id, c.brand_id or 0, c.condition, c.supplier_id, c.product_count, c.min_price, c.max_price)
        for c in db.session.scalars(db.select(ProductFacetCell))
    )


@pytest.mark.own_database
@pytest.mark.postgres
def test_concurrent_creates_in_one_category_keep_cells_exact(app, committed):
    from app.common.types import utcnow

    with app.app_context():
        category = Category(name="Phones", slug="phones")
        sellers = [
            User(email=f"s{i}@example.com", name=f"Seller {i}", role="supplier", password_hash="!",
                 invite_code=f"SELL{i:04d}", terms_accepted_at=utcnow())
            for i in range(4)
        ]
        db.session.add_all([category, *sellers])
        db.session.commit()
        category_id, seller_ids = category.id, [s.id for s in sellers]

    errors: list[BaseException] = []
    start = threading.Barrier(len(seller_ids))

    def sell(seller_id: int) -> None:
        try:
            with app.app_context():
                seller = db.session.get(User, seller_id)
                start.wait()
                for n in range(5):
                    products.create_product(seller, {
                        "name": f"Phone {seller_id}-{n}", "price": Decimal(1000 + n), "stock": 1,
                        "sku": f"P-{n}", "category_id": category_id, "condition": "new",
                    })
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=sell, args=(seller_id,)) for seller_id in seller_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors

    with app.app_context():
        incremental = cells()
        assert sum(row[4] for row in incremental) == 20
        refresh_cells()
        db.session.commit()
        assert cells() == incremental
