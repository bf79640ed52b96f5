"""Returns as sellers see them: told of a return touching their part, and the commission frozen
on returned units given back pro rata by quantity when the return is refunded."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.catalog.models import Seller
from app.extensions import db
from app.notifications.models import Notification
from app.sellers.models import CommissionLine, CommissionRate, CommissionReversal, SellerOrder
from app.sellers.services.returns import reversal_for
from tests.helpers import assert_problem
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


SELLER_RETURNS = "/api/v1/seller/returns"


def test_a_seller_sees_its_side_of_a_return_acknowledges_and_disputes_it(
    client,
    customer,
    admin,
    card_paid,  # noqa: F811
    products,  # noqa: F811
):
    order, _, _ = card_paid
    a, b = products
    seller_a = owner_of(db.session.get(Seller, a.seller_id))
    seller_b = owner_of(db.session.get(Seller, b.seller_id))
    ids = lines_of(order)
    made = ask(client, customer, order, (ids["500.00"], 2), (ids["1000.00"], 1), reason="damaged").get_json()

    mine = client.get(SELLER_RETURNS, headers=seller_a.headers).get_json()
    assert mine["meta"]["total"] == 1
    [side] = mine["items"]
    assert (side["return_id"], side["status"], side["reason"], side["response"]) == (
        made["id"],
        "requested",
        "damaged",
        None,
    )
    assert [(line["order_line_id"], line["quantity"]) for line in side["lines"]] == [(ids["500.00"], 2)]  # A's only
    assert "customer_id" not in side and "email" not in str(side)

    seen = client.post(f"{SELLER_RETURNS}/{made['id']}/acknowledge", headers=seller_a.headers).get_json()
    assert seen["acknowledged_at"] is not None and seen["response"] is None
    no_reason = client.post(
        f"{SELLER_RETURNS}/{made['id']}/respond", json={"response": "dispute"}, headers=seller_a.headers
    )
    assert assert_problem(no_reason, 422, "validation_error")["errors"].keys() == {"reason"}
    disputed = client.post(
        f"{SELLER_RETURNS}/{made['id']}/respond",
        json={"response": "dispute", "reason": "The seal is broken."},
        headers=seller_a.headers,
    )
    assert disputed.status_code == 200
    assert (disputed.get_json()["response"], disputed.get_json()["response_reason"]) == (
        "dispute",
        "The seal is broken.",
    )
    again = client.post(f"{SELLER_RETURNS}/{made['id']}/respond", json={"response": "accept"}, headers=seller_a.headers)
    assert_problem(again, 409, "already_responded")
    assert client.get(f"{SELLER_RETURNS}?answered=false", headers=seller_a.headers).get_json()["meta"]["total"] == 0
    assert client.get(f"{SELLER_RETURNS}?answered=false", headers=seller_b.headers).get_json()["meta"]["total"] == 1

    # The admins are told and see both sellers' sides when they decide; B has not answered.
    assert (
        "disputes return"
        in db.session.scalars(select(Notification.body).where(Notification.user_id == admin.user.id)).all()[-1]
    )
    sides = client.get(f"/api/v1/returns/{made['id']}/seller-responses", headers=admin.headers).get_json()
    assert [(s["seller"]["id"], s["response"], s["reason"]) for s in sides] == [
        (a.seller_id, "dispute", "The seal is broken."),
        (b.seller_id, None, None),
    ]
    assert_problem(
        client.get(f"/api/v1/returns/{made['id']}/seller-responses", headers=seller_a.headers), 403, "forbidden"
    )
    # Silence does not block the admins.
    assert act(client, admin, made, "approve").status_code == 200


def test_a_seller_answers_within_the_window(client, customer, app, card_paid, products, monkeypatch):  # noqa: F811
    import time_machine

    from app.common.types import utcnow
    from tests.helpers import bearer, tokens_for

    order, _, _ = card_paid
    a, _ = products
    seller_a = owner_of(db.session.get(Seller, a.seller_id))
    made = ask(client, customer, order, (lines_of(order)["500.00"], 1)).get_json()
    with time_machine.travel(utcnow() + timedelta(days=app.config["SELLER_RETURN_RESPONSE_DAYS"], hours=1)):
        headers = bearer(tokens_for(seller_a.user)["access_token"])  # a token of then
        late = client.post(f"{SELLER_RETURNS}/{made['id']}/respond", json={"response": "accept"}, headers=headers)
        assert_problem(late, 409, "response_window_closed")
