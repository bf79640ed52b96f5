"""Returns as sellers see them: told of a return touching their part, and the commission frozen
on returned units given back pro rata by quantity when the return is refunded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.catalog.models import Seller
from app.extensions import db
from app.notifications.models import Notification
from app.sellers.models import CommissionLine, CommissionRate, CommissionReversal, SellerOrder
from app.sellers.services.returns import reversal_for
from tests.returns.conftest import card_paid, products  # noqa: F401 (fixtures)
from tests.returns.test_returns import _paystack_refund, act, ask, lines_of
from tests.sellers.test_seller_orders import MINE, owner_of


def test_reversals_are_pro_rata_and_a_whole_line_gives_back_exactly_its_frozen_amount():
    frozen = CommissionLine(quantity=3, amount=Decimal("100.00"), line_total=Decimal("999.99"))
    steps = [reversal_for(frozen, done, 1) for done in range(3)]
    assert steps == [Decimal("33.33"), Decimal("33.34"), Decimal("33.33")]
    assert sum(steps) == Decimal("100.00")
    assert reversal_for(frozen, 0, 2) == Decimal("66.67")  # half up on the running total


@pytest.fixture
def default_rate():
    rate = CommissionRate(scope="default", target_id=0, kind="percentage", rate_bps=1000)
    db.session.add(rate)
    db.session.flush()
    return rate


@pytest.fixture
def rated_card_paid(default_rate, card_paid):  # noqa: F811
    """The returns' delivered card order (3 x A at 500.00, 1 x B at 1,000.00; A and B from two
    sellers), placed once a default commission of 10 % was set."""
    return card_paid


def titles_of(user_id: int) -> list[str]:
    return list(
        db.session.scalars(select(Notification.title).where(Notification.user_id == user_id).order_by(Notification.id))
    )


def test_a_refunded_return_gives_back_the_commission_on_its_units_and_tells_the_seller(
    client,
    customer,
    admin,
    rated_card_paid,
    products,  # noqa: F811
):
    order, _, api = rated_card_paid
    a, b = products
    ids = lines_of(order)
    seller_a = owner_of(db.session.get(Seller, a.seller_id))
    part_a = db.session.scalar(select(SellerOrder).where(SellerOrder.seller_id == a.seller_id))
    assert (part_a.status, part_a.commission) == ("delivered", Decimal("150.00"))

    made = ask(client, customer, order, (ids["500.00"], 2)).get_json()
    assert titles_of(seller_a.user.id)[-1] == "A return was requested"
    assert titles_of(owner_of(db.session.get(Seller, b.seller_id)).user.id)[-1:] != [
        "A return was requested"
    ]  # not B's lines
    act(client, admin, made, "approve")
    act(client, admin, made, "receive", restock=True)
    _paystack_refund(api)
    assert act(client, admin, made, "refund").status_code == 200
    [reversal] = db.session.scalars(select(CommissionReversal)).all()
    assert (reversal.quantity, reversal.gross, reversal.amount) == (2, Decimal("1000.00"), Decimal("100.00"))
    seen = client.get(f"{MINE}/{part_a.id}", headers=seller_a.headers).get_json()
    assert seen["status"] == "delivered"  # one unit is still with the customer
    assert seen["lines"][0] | {"commission": None} == seen["lines"][0] | {
        "returned_quantity": 2,
        "commission_reversed": "100.00",
        "cancelled": False,
        "commission": None,
    }
    assert titles_of(seller_a.user.id)[-1] == "A return was refunded"
    bodies = db.session.scalars(select(Notification.body).where(Notification.user_id == seller_a.user.id)).all()
    assert "commission of 100.00 given back" in bodies[-1]

    # The last unit: the line's reversals add up to its frozen 150.00, and the part is returned.
    last = ask(client, customer, order, (ids["500.00"], 1)).get_json()
    act(client, admin, last, "approve")
    act(client, admin, last, "receive", restock=True)
    assert act(client, admin, last, "refund").status_code == 200
    amounts = db.session.scalars(select(CommissionReversal.amount).order_by(CommissionReversal.id)).all()
    assert amounts == [Decimal("100.00"), Decimal("50.00")]
    db.session.refresh(part_a)
    assert part_a.status == "returned"
    history = client.get(f"{MINE}/{part_a.id}", headers=seller_a.headers).get_json()["history"]
    assert (history[-1]["from_status"], history[-1]["to_status"], history[-1]["actor_kind"]) == (
        "delivered",
        "returned",
        "system",
    )
    part_b = db.session.scalar(select(SellerOrder).where(SellerOrder.seller_id == b.seller_id))
    assert part_b.status == "delivered"  # B's line never came back
