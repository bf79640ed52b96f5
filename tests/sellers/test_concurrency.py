"""Seller accounts under concurrency (PostgreSQL, real commits, threads)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.catalog.models import Seller
from app.extensions import db
from app.orders.errors import InvalidTransition
from app.sellers.errors import ApplicationExists
from app.sellers.models import SellerAccount, SellerEvent
from app.sellers.status import SellerStatus
from tests.helpers import run_together

DETAILS = {
    "kind": "individual",
    "about": "",
    "contact_phone": "+254712345678",
    "contact_email": "race@example.com",
    "pickup_county": "Nairobi",
    "pickup_town": "Nairobi",
}


def _users() -> tuple[int, int]:
    from tests.factories import UserFactory

    customer, admin = UserFactory(role="customer"), UserFactory(role="admin")
    db.session.commit()
    return customer.id, admin.id


@pytest.mark.own_database
@pytest.mark.postgres
def test_two_applications_at_once_make_one_account(app, committed):
    from app.auth.models import User
    from app.sellers.services.accounts import apply

    with app.app_context():
        customer_id, _ = _users()

    def applying(name: str):
        return lambda: apply(db.session.get(User, customer_id), {**DETAILS, "store_name": name})

    errors = run_together(app, [applying("Race One"), applying("Race Two"), applying("Race Three")])
    assert len(errors) == 2 and all(isinstance(error, ApplicationExists) for error in errors)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SellerAccount)) == 1


@pytest.mark.own_database
@pytest.mark.postgres
def test_an_application_approved_twice_at_once_opens_one_store(app, committed):
    from app.auth.models import User
    from app.sellers.services.accounts import apply, decide

    with app.app_context():
        customer_id, admin_id = _users()
        from app.common.db import unit_of_work

        with unit_of_work():
            account_id = apply(db.session.get(User, customer_id), {**DETAILS, "store_name": "Twice"}).id

    def approving():
        decide(db.session.get(User, admin_id), account_id, SellerStatus.PENDING, SellerStatus.APPROVED, None)

    errors = run_together(app, [approving, approving, approving])
    assert len(errors) == 2 and all(isinstance(error, InvalidTransition) for error in errors)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Seller).where(Seller.name == "Twice")) == 1
        events = db.session.scalars(select(SellerEvent.to_status).order_by(SellerEvent.id)).all()
        assert events == ["pending", "approved"]
