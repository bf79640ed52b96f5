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


@pytest.mark.own_database
@pytest.mark.postgres
def test_two_sellers_shipping_their_parts_at_once_ship_the_order(app, committed):
    """Each part's move reads the other parts to decide the order's status: without the order's
    lock first, both would read the other unshipped and the order would stay processing."""
    from app.auth.models import User
    from app.cart.services import Owner, add_line
    from app.common.db import unit_of_work
    from app.orders.models import Order
    from app.orders.services.checkout import place_order
    from app.sellers.models import SellerOrder
    from app.sellers.services.orders import move_part
    from app.sellers.status import SellerOrderStatus
    from tests.factories import AddressFactory, DeliveryZoneFactory, ProductFactory, SellerFactory, UserFactory

    with app.app_context():
        with unit_of_work():
            buyer = UserFactory(role="customer")
            zone = DeliveryZoneFactory(counties=["Nairobi"])
            address = AddressFactory(user_id=buyer.id, county="Nairobi", town="Nairobi")
            sellers = [SellerFactory(), SellerFactory()]
            for seller in sellers:
                add_line(Owner(user=buyer), ProductFactory(seller=seller, stock=5).id, 1)
            order = place_order(
                buyer, {"address_id": address.id, "payment_method": "cash", "delivery_zone_id": zone.id}
            )
            order_id = order.id
            owners = [seller.owner_id for seller in sellers]
        parts = dict(db.session.execute(select(SellerOrder.seller_id, SellerOrder.id)).tuples().all())
        part_of = {owner: parts[seller.id] for owner, seller in zip(owners, sellers, strict=True)}
        for owner, part in part_of.items():
            with unit_of_work():
                move_part(db.session.get(User, owner), part, SellerOrderStatus.PACKED)

    def shipping(owner: int):
        return lambda: move_part(db.session.get(User, owner), part_of[owner], SellerOrderStatus.SHIPPED)

    assert run_together(app, [shipping(owner) for owner in owners]) == []
    with app.app_context():
        assert db.session.get(Order, order_id).status == "shipped"
