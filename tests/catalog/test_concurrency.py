"""Concurrent writers keep the catalog exact: facet cells, image order, category visibility
(PostgreSQL, real commits across connections)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from app.auth.models import User
from app.catalog.models import Category, ProductFacetCell
from app.catalog.services import managing
from app.catalog.services.facets import refresh_cells
from app.common.db import unit_of_work
from app.extensions import db
from tests.helpers import run_together


def cells() -> list[tuple]:
    return sorted(
        (c.category_id, c.brand_id or 0, c.condition, c.seller_id, c.product_count, c.min_price, c.max_price)
        for c in db.session.scalars(db.select(ProductFacetCell))
    )


def _supplier(n: int = 0) -> User:
    from app.common.types import utcnow

    return User(
        email=f"s{n}@example.com",
        name=f"Seller {n}",
        role="supplier",
        password_hash="!",
        invite_code=f"SELL{n:04d}",
        terms_accepted_at=utcnow(),
    )


def _open_stores(users: list[User]) -> None:
    """A store for each (flushed) supplier, so that they can list products."""
    from app.catalog.models import Seller

    db.session.add_all(Seller(owner_id=user.id, name=user.name, slug=f"store-{user.id}") for user in users)
    db.session.flush()


def _committed_products(*name_and_stock: tuple[str, int]) -> tuple[int, list[int]]:
    """A supplier with products (name, stock) in one new category, committed; their ids."""
    from app.catalog.models import Product, Seller

    seller, category = _supplier(), Category(name="Shop", slug="shop")
    db.session.add_all([seller, category])
    db.session.flush()
    _open_stores([seller])
    store_id = db.session.scalar(db.select(Seller.id).where(Seller.owner_id == seller.id))
    products = [
        Product(
            name=name,
            slug=name.lower(),
            sku=f"SKU-{n}",
            price=Decimal("900"),
            stock=stock,
            category_id=category.id,
            seller_id=store_id,
        )
        for n, (name, stock) in enumerate(name_and_stock)
    ]
    db.session.add_all(products)
    db.session.commit()
    return seller.id, [product.id for product in products]


@pytest.mark.own_database
@pytest.mark.postgres
def test_concurrent_creates_in_one_category_keep_cells_exact(app, committed):
    with app.app_context():
        category = Category(name="Phones", slug="phones")
        sellers = [_supplier(i) for i in range(4)]
        db.session.add_all([category, *sellers])
        db.session.flush()
        _open_stores(sellers)
        db.session.commit()
        category_id, seller_ids = category.id, [s.id for s in sellers]

    def seller_job(seller_id: int):
        def sell() -> None:
            seller = db.session.get(User, seller_id)
            for n in range(5):  # five transactions, as five requests would be
                with unit_of_work():
                    managing.create_product(
                        seller,
                        {
                            "name": f"Phone {seller_id}-{n}",
                            "price": Decimal(1000 + n),
                            "stock": 1,
                            "sku": f"P-{n}",
                            "category_id": category_id,
                            "condition": "new",
                        },
                    )

        return sell

    assert run_together(app, [seller_job(seller_id) for seller_id in seller_ids]) == []

    with app.app_context():
        incremental = cells()
        assert sum(row[4] for row in incremental) == 20
        refresh_cells()
        db.session.commit()
        assert cells() == incremental


@pytest.mark.own_database
@pytest.mark.postgres
def test_concurrent_uploads_to_one_product_get_distinct_positions_and_one_primary(app, committed):
    import io

    from PIL import Image
    from werkzeug.datastructures import FileStorage

    from app.catalog.models import ProductImage
    from app.catalog.services import images

    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 30, 30)).save(buffer, format="PNG")
    with app.app_context():
        seller_id, [product_id] = _committed_products(("Kiondo", 3))

    def upload() -> None:
        images.add_image(
            db.session.get(User, seller_id),
            product_id,
            FileStorage(io.BytesIO(buffer.getvalue()), filename="bag.png", content_type="image/png"),
        )

    assert run_together(app, [upload] * 4) == []
    with app.app_context():
        stored = db.session.scalars(db.select(ProductImage).where(ProductImage.product_id == product_id)).all()
        assert sorted(image.position for image in stored) == [0, 1, 2, 3]
        assert sum(image.is_primary for image in stored) == 1


@pytest.mark.own_database
@pytest.mark.postgres
def test_a_child_added_while_its_parent_is_deactivated_is_hidden(app, committed):
    from app.catalog.services import categories

    with app.app_context():
        parent = Category(name="Phones", slug="phones")
        db.session.add(parent)
        db.session.commit()
        parent_id = parent.id

    for _ in range(3):  # the race either way round; both orders must end hidden
        errors = run_together(
            app,
            [
                lambda: categories.update_category(parent_id, {"is_active": False}),
                lambda: categories.create_category({"name": "Android", "parent_id": parent_id}),
            ],
        )
        assert errors == []
        with app.app_context():
            children = db.session.scalars(db.select(Category).where(Category.parent_id == parent_id)).all()
            assert children and all(child.is_visible is False for child in children)
            db.session.execute(text("DELETE FROM categories WHERE parent_id = :p"), {"p": parent_id})
            db.session.execute(text("UPDATE categories SET is_active = true, is_visible = true"))
            db.session.commit()


@pytest.mark.own_database
@pytest.mark.postgres
def test_twenty_buyers_of_five_units_take_exactly_five_and_stock_ends_at_zero(app, committed):
    from app.catalog.errors import InsufficientStock
    from app.catalog.models import Product
    from app.catalog.services.stock import give_back_stock, take_stock

    with app.app_context():
        _, [lamp_id, other_id] = _committed_products(("Lamp", 5), ("Shade", 100))

    # Each buyer takes the two products in a different order of its cart: the helper orders
    # them by id, so nobody deadlocks, and a buyer who is short takes nothing at all.
    jobs = [
        (lambda i=i: take_stock({lamp_id: 1, other_id: 1} if i % 2 else {other_id: 1, lamp_id: 1})) for i in range(20)
    ]
    errors = run_together(app, jobs)
    assert len(errors) == 15 and all(isinstance(error, InsufficientStock) for error in errors), errors
    with app.app_context():
        assert db.session.get(Product, lamp_id).stock == 0
        assert db.session.get(Product, other_id).stock == 95  # the 15 refused took none of it

    assert run_together(app, [lambda: give_back_stock({lamp_id: 1})] * 5) == []
    with app.app_context():
        assert db.session.get(Product, lamp_id).stock == 5
