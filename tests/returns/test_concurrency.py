"""Returns under concurrency (PostgreSQL, real commits)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.catalog.models import Product
from app.extensions import db
from app.returns.models import ReturnRequest
from app.returns.services import approve_return, create_return, receive_return
from tests.factories import ProductFactory, UserFactory
from tests.helpers import deliver_to, run_together


def _delivered(app, units: int) -> tuple[int, int, int, int]:
    """A customer's delivered order of `units` of a product; (user, admin, order, product) ids."""
    with app.app_context():
        user, admin = UserFactory(role="customer"), UserFactory(role="admin")
        product = ProductFactory(stock=10)
        order = deliver_to(user, product, quantity=units)
        db.session.commit()
        return user.id, admin.id, order.id, product.id


@pytest.mark.own_database
@pytest.mark.postgres
def test_two_returns_of_the_same_units_at_once_one_wins(app, committed):
    user_id, _, order_id, _ = _delivered(app, 3)
    with app.app_context():
        from app.orders.models import OrderLine

        line_id = db.session.scalar(select(OrderLine.id).where(OrderLine.order_id == order_id))

    def ask():
        body = {"order_id": order_id, "lines": [{"order_line_id": line_id, "quantity": 2}], "reason": "other"}
        return create_return(db.session.get(User, user_id), body)

    errors = run_together(app, [ask, ask, ask])
    assert len(errors) == 2 and all(getattr(e, "code", None) == "validation_error" for e in errors)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ReturnRequest)) == 1


@pytest.mark.own_database
@pytest.mark.postgres
def test_receiving_twice_at_once_restocks_once(app, committed):
    user_id, admin_id, order_id, product_id = _delivered(app, 3)
    with app.app_context():
        from app.orders.models import OrderLine

        line_id = db.session.scalar(select(OrderLine.id).where(OrderLine.order_id == order_id))
        body = {"order_id": order_id, "lines": [{"order_line_id": line_id, "quantity": 3}], "reason": "damaged"}
        request_id = create_return(db.session.get(User, user_id), body).id
        approve_return(db.session.get(User, admin_id), request_id)
        db.session.commit()
        before = db.session.get(Product, product_id).stock

    def receive():
        return receive_return(db.session.get(User, admin_id), request_id, restock=True)

    errors = run_together(app, [receive, receive, receive])
    assert len(errors) == 2 and all(getattr(e, "code", None) == "invalid_transition" for e in errors)
    with app.app_context():
        assert db.session.get(Product, product_id).stock == before + 3
