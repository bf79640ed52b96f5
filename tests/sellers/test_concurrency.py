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


@pytest.mark.own_database
@pytest.mark.postgres
@pytest.mark.parametrize("first", ["seller", "customer"])
def test_a_seller_cancelling_its_part_while_the_customer_cancels_restocks_and_refunds_once(
    app, committed, monkeypatch, first
):
    """Both cancellations restock lines and refund: whichever comes second must find the first's
    work done (the order's row is the queue; each line's restock is claimed once). The first holds
    its transaction open a moment after its work, so the second has read the order as it was
    before and waits on it: the interleaving where a stale read would restock or refund twice."""
    import time

    import responses

    from app.auth.models import User
    from app.cart.services import Owner, add_line
    from app.catalog.models import Product
    from app.common.db import unit_of_work
    from app.orders.models import Order
    from app.orders.services.checkout import place_order
    from app.orders.services.orders import cancel, mark_paid
    from app.payments.models import Payment, Refund
    from app.sellers.models import SellerOrder
    from app.sellers.services.orders import cancel_part
    from tests.factories import AddressFactory, DeliveryZoneFactory, ProductFactory, SellerFactory, UserFactory

    monkeypatch.setitem(app.config, "PAYSTACK_SECRET_KEY", "sk_test_race")
    with app.app_context():
        with unit_of_work():
            buyer = UserFactory(role="customer")
            zone = DeliveryZoneFactory(counties=["Nairobi"])
            address = AddressFactory(user_id=buyer.id, county="Nairobi", town="Nairobi")
            sellers = [SellerFactory(), SellerFactory()]
            products = [ProductFactory(seller=seller, stock=5) for seller in sellers]
            add_line(Owner(user=buyer), products[0].id, 2)
            add_line(Owner(user=buyer), products[1].id, 1)
            order = place_order(
                buyer, {"address_id": address.id, "payment_method": "card", "delivery_zone_id": zone.id}
            )
            order_id, total, buyer_id = order.id, order.total, buyer.id
            db.session.add(
                Payment(
                    order_id=order.id,
                    user_id=buyer.id,
                    provider="paystack",
                    status="succeeded",
                    amount=total,
                    currency="KES",
                    order_amount=total,
                    amount_paid=total,
                    provider_reference="DK-RACE-1",
                )
            )
            assert mark_paid(order.id, "Paid by card.")
            seller_owner = sellers[0].owner_id
            part_id = db.session.scalar(select(SellerOrder.id).where(SellerOrder.seller_id == sellers[0].id))
            product_ids = [product.id for product in products]

    def seller_cancels():
        time.sleep(0 if first == "seller" else 0.1)
        cancel_part(db.session.get(User, seller_owner), part_id, "Out of stock")
        time.sleep(0.4 if first == "seller" else 0)

    def customer_cancels():
        time.sleep(0 if first == "customer" else 0.1)
        cancel(db.session.get(User, buyer_id), order_id, "Changed my mind")
        time.sleep(0.4 if first == "customer" else 0)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.post(
            f"{app.config['PAYSTACK_BASE_URL']}/refund", json={"status": True, "data": {"id": 1, "status": "pending"}}
        )
        errors = run_together(app, [seller_cancels, customer_cancels])
    # The customer's cancellation always goes through; the seller's, second, finds its part cancelled.
    assert [type(error) for error in errors] == ([] if first == "seller" else [InvalidTransition])
    with app.app_context():
        assert db.session.get(Order, order_id).status == "cancelled"
        assert [db.session.get(Product, pid).stock for pid in product_ids] == [5, 5]  # each restocked once
        refunded = db.session.scalar(select(func.sum(Refund.amount)).where(Refund.status != "failed"))
        assert refunded == total  # the whole payment, once
