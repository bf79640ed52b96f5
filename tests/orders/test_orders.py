"""Orders after checkout: reading them, the status machine, cancelling, expiry."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from click.testing import CliRunner

from app.catalog.models import Product
from app.common.types import utcnow
from app.extensions import db
from app.orders.errors import InvalidTransition
from app.orders.models import Order
from app.orders.services.orders import SYSTEM, Actor, expire_unpaid, transition
from app.orders.status import TRANSITIONS, ActorKind, OrderStatus
from tests.factories import AddressFactory, ProductFactory
from tests.helpers import ORDERS, add_to_cart, assert_problem, bearer, checkout, tokens_for


@pytest.fixture
def place(client, customer, address, zone):
    """Place an order of `quantity` units of a new product (stock 10); returns (order JSON, product)."""

    def place(quantity: int = 2, **body):
        product = ProductFactory(stock=10, price=Decimal("100.00"))
        add_to_cart(client, customer, product, quantity)
        response = checkout(client, customer, address, **body)
        assert response.status_code == 201, response.get_json()
        return response.get_json(), product

    return place


def _stock(product) -> int:
    return db.session.get(Product, product.id, populate_existing=True).stock


def test_a_customer_reads_their_orders_by_id_reference_and_list(client, customer, place):
    first, _ = place()
    second, _ = place()
    assert client.get(f"{ORDERS}/{first['id']}", headers=customer.headers).get_json() == first
    by_ref = client.get(f"{ORDERS}/by-reference/{first['reference'].lower()}", headers=customer.headers)
    assert by_ref.get_json()["id"] == first["id"]
    page = client.get(ORDERS, headers=customer.headers).get_json()
    assert [o["id"] for o in page["items"]] == [second["id"], first["id"]] and page["meta"]["total"] == 2


def test_another_customers_order_is_404_everywhere(client, other_customer, place):
    order, _ = place()
    assert_problem(client.get(f"{ORDERS}/{order['id']}", headers=other_customer.headers), 404, "order_not_found")
    by_ref = client.get(f"{ORDERS}/by-reference/{order['reference']}", headers=other_customer.headers)
    assert_problem(by_ref, 404, "order_not_found")
    cancel = client.post(f"{ORDERS}/{order['id']}/cancel", json={}, headers=other_customer.headers)
    assert_problem(cancel, 404, "order_not_found")
    assert client.get(ORDERS, headers=other_customer.headers).get_json()["items"] == []


def test_an_admin_sees_and_filters_everyones_orders(client, admin, customer, other_customer, place, zone):
    mine, _ = place()
    cash, _ = place(payment_method="cash")
    client.post(f"{ORDERS}/{cash['id']}/cancel", json={}, headers=customer.headers)
    add_to_cart(client, other_customer, ProductFactory(stock=3))
    theirs = checkout(client, other_customer, AddressFactory(user_id=other_customer.user.id)).get_json()

    def ids(query: str) -> list[int]:
        response = client.get(f"{ORDERS}?{query}", headers=admin.headers)
        assert response.status_code == 200, response.get_json()
        return [order["id"] for order in response.get_json()["items"]]

    assert ids("") == [theirs["id"], cash["id"], mine["id"]]
    assert ids("status=cancelled") == [cash["id"]]
    assert ids("status=cancelled&status=pending_payment") == [theirs["id"], cash["id"], mine["id"]]
    assert ids(f"customer_id={other_customer.user.id}") == [theirs["id"]]
    assert ids(f"reference={mine['reference']}") == [mine["id"]]
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()
    assert ids(f"created_from={tomorrow.replace('+', '%2B')}") == []
    assert ids(f"created_to={tomorrow.replace('+', '%2B')}") == [theirs["id"], cash["id"], mine["id"]]
    assert_problem(client.get(f"{ORDERS}?status=lost", headers=admin.headers), 422, "validation_error")


def test_suppliers_have_no_orders_here(client, supplier):
    assert_problem(client.get(ORDERS, headers=supplier.headers), 403, "forbidden")


def test_cancel_gives_the_stock_back_once(client, customer, place):
    order, product = place(3)
    assert _stock(product) == 7
    response = client.post(
        f"{ORDERS}/{order['id']}/cancel", json={"reason": "Changed my mind"}, headers=customer.headers
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "cancelled"
    assert body["history"][-1] | {"created_at": None} == {
        "from_status": "pending_payment",
        "to_status": "cancelled",
        "actor_kind": "customer",
        "actor_id": customer.user.id,
        "note": "Changed my mind",
        "created_at": None,
    }
    assert _stock(product) == 10
    again = client.post(f"{ORDERS}/{order['id']}/cancel", json={}, headers=customer.headers)
    assert assert_problem(again, 409, "invalid_transition")["allowed"] == []
    assert _stock(product) == 10  # not twice


def test_a_shipped_order_cannot_be_cancelled_by_its_customer(client, customer, admin, place):
    order, product = place(payment_method="cash")
    for status in ("processing", "shipped"):
        response = client.patch(f"{ORDERS}/{order['id']}/status", json={"status": status}, headers=admin.headers)
        assert response.status_code == 200, response.get_json()
    refused = client.post(f"{ORDERS}/{order['id']}/cancel", json={}, headers=customer.headers)
    assert_problem(refused, 409, "invalid_transition")
    assert _stock(product) == 8


def test_admin_status_changes_are_on_record_and_cash_is_unpaid_until_confirmed(client, admin, place):
    order, _ = place(payment_method="cash")
    for status in ("processing", "shipped", "out_for_delivery", "delivered"):
        response = client.patch(
            f"{ORDERS}/{order['id']}/status", json={"status": status, "note": f"now {status}"}, headers=admin.headers
        )
        assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [e["to_status"] for e in body["history"]] == [
        "pending_payment",
        "processing",
        "shipped",
        "out_for_delivery",
        "delivered",
    ]
    assert all(e["actor_kind"] == "admin" and e["actor_id"] == admin.user.id for e in body["history"][1:])
    assert body["paid_at"] is None  # delivered is not paid: the cash confirmation records the money


def test_an_illegal_change_is_409_with_the_allowed_next_states(client, admin, place):
    order, _ = place()  # M-Pesa: not confirmable before payment
    response = client.patch(f"{ORDERS}/{order['id']}/status", json={"status": "shipped"}, headers=admin.headers)
    assert assert_problem(response, 409, "invalid_transition")["allowed"] == ["cancelled"]
    response = client.patch(f"{ORDERS}/{order['id']}/status", json={"status": "processing"}, headers=admin.headers)
    assert_problem(response, 409, "invalid_transition")
    for status in ("paid", "returned"):  # payments' and returns' to set, not an admin's
        response = client.patch(f"{ORDERS}/{order['id']}/status", json={"status": status}, headers=admin.headers)
        assert_problem(response, 409, "invalid_transition")


def test_status_changes_are_admin_only(client, customer, place):
    order, _ = place()
    response = client.patch(f"{ORDERS}/{order['id']}/status", json={"status": "cancelled"}, headers=customer.headers)
    assert_problem(response, 403, "forbidden")


# The machine itself, without HTTP: every pair of states, for every actor ------------------------


def _order_in(status: OrderStatus, method: str = "mpesa") -> Order:
    return Order(id=None, status=status.value, payment_method=method)


ALL_PAIRS = [(frm, to) for frm in OrderStatus for to in OrderStatus if frm != to]


@pytest.mark.parametrize("frm,to", ALL_PAIRS, ids=[f"{f.value}->{t.value}" for f, t in ALL_PAIRS])
@pytest.mark.parametrize("method", ["mpesa", "cash"])
def test_every_transition_is_allowed_exactly_as_the_table_says(frm, to, method):
    from app.orders.status import rule_for

    order = _order_in(frm, method)
    for actor in ActorKind:
        rule = TRANSITIONS.get((frm, to))
        expected = rule is not None and actor in rule.by and (rule.when is None or rule.when(order))
        assert (rule_for(order, to, actor) is not None) == expected, (frm, to, actor, method)
    # And the table holds the machine: a few fixed points.
    if (frm, to) == (OrderStatus.PENDING_PAYMENT, OrderStatus.PROCESSING):
        assert (rule_for(order, to, ActorKind.ADMIN) is not None) == (method == "cash")
    if to is OrderStatus.CANCELLED:
        allowed = frm in (OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.PROCESSING)
        assert (rule_for(order, to, ActorKind.CUSTOMER) is not None) == allowed


def test_a_legal_transition_moves_records_and_an_illegal_one_changes_nothing(client, place, customer):
    order_json, _ = place()
    order = db.session.get(Order, order_json["id"])
    transition(order, OrderStatus.PAID, SYSTEM, "M-Pesa receipt QKJ2X8")
    assert order.status == "paid" and order.paid_at is not None
    assert (order.events[-1].actor_kind, order.events[-1].actor_id) == ("system", None)
    with pytest.raises(InvalidTransition) as refused:
        transition(order, OrderStatus.DELIVERED, Actor(ActorKind.ADMIN, None))
    assert refused.value.extra["allowed"] == ["processing", "cancelled"]
    assert db.session.get(Order, order.id).status == "paid" and len(order.events) == 2


def test_cancelling_a_paid_order_tells_the_payments_seam(client, place, customer):
    from app.orders.signals import order_cancelled

    order_json, _ = place()
    order = db.session.get(Order, order_json["id"])
    transition(order, OrderStatus.PAID, SYSTEM)
    heard = []

    def receiver(sender, **kwargs):
        heard.append((sender.id, kwargs["previous"], kwargs["actor"].kind))

    order_cancelled.connect(receiver)
    try:
        response = client.post(f"{ORDERS}/{order.id}/cancel", json={}, headers=customer.headers)
    finally:
        order_cancelled.disconnect(receiver)
    assert response.status_code == 200
    assert heard == [(order.id, "paid", ActorKind.CUSTOMER)]


# Expiry of unpaid orders -------------------------------------------------------------------------


def test_unpaid_orders_expire_after_the_timeout_and_give_their_stock_back(app, place, client, customer):
    mpesa, product = place(4)
    cash, cash_product = place(1, payment_method="cash")
    minutes = app.config["ORDER_PAYMENT_TIMEOUT_MINUTES"]
    with time_machine.travel(utcnow() + timedelta(minutes=minutes - 1), tick=False):
        assert expire_unpaid() == 0
    with time_machine.travel(utcnow() + timedelta(minutes=minutes + 1), tick=False):
        result = CliRunner().invoke(app.cli, ["orders", "expire-unpaid"], catch_exceptions=False)
        assert result.output.strip() == "expired 1 unpaid orders"
        assert expire_unpaid() == 0  # nothing twice
        headers = bearer(tokens_for(customer.user)["access_token"])
        expired = client.get(f"{ORDERS}/{mpesa['id']}", headers=headers).get_json()
        kept = client.get(f"{ORDERS}/{cash['id']}", headers=headers).get_json()
    assert expired["status"] == "cancelled" and expired["history"][-1]["actor_kind"] == "system"
    assert expired["history"][-1]["note"] == "Not paid in time."
    assert kept["status"] == "pending_payment"  # cash orders wait for an admin's confirmation
    assert _stock(product) == 10 and _stock(cash_product) == 9


def test_cash_orders_nobody_confirmed_expire_after_their_hours(app, place, client, customer, admin):
    unconfirmed, product = place(1, payment_method="cash")
    confirmed, _ = place(1, payment_method="cash")
    response = client.patch(f"{ORDERS}/{confirmed['id']}/status", json={"status": "processing"}, headers=admin.headers)
    assert response.status_code == 200, response.get_json()
    hours = app.config["CASH_CONFIRM_HOURS"]
    with time_machine.travel(utcnow() + timedelta(hours=hours, minutes=1), tick=False):
        assert expire_unpaid() == 1
    order = db.session.get(Order, unconfirmed["id"], populate_existing=True)
    assert order.status == "cancelled" and order.events[-1].note == "Not confirmed in time."
    assert db.session.get(Order, confirmed["id"], populate_existing=True).status == "processing"
    assert _stock(product) == 10


def test_the_expiry_task_runs_the_same_rule(app, place):
    from app.orders.tasks import expire_unpaid_orders

    place()
    with time_machine.travel(utcnow() + timedelta(minutes=app.config["ORDER_PAYMENT_TIMEOUT_MINUTES"] + 1), tick=False):
        assert expire_unpaid_orders.delay().result == 1


def test_an_order_cancelled_before_the_job_is_left_alone(app, place, client, customer):
    order, product = place(2)
    client.post(f"{ORDERS}/{order['id']}/cancel", json={}, headers=customer.headers)
    with time_machine.travel(utcnow() + timedelta(minutes=app.config["ORDER_PAYMENT_TIMEOUT_MINUTES"] + 1), tick=False):
        assert expire_unpaid() == 0
    assert _stock(product) == 10
