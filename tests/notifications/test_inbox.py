"""In-app notifications: created with the changes they tell of, read and marked by their user only."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.notifications.models import Notification
from app.orders.services.orders import Actor, transition
from app.orders.status import ActorKind, OrderStatus
from app.payments.gateways import Outcome
from app.payments.models import Payment
from app.payments.services.settlement import settle
from app.returns.services import approve_return, create_return, receive_return, reject_return
from tests.factories import ProductFactory, UserFactory
from tests.helpers import add_to_cart, assert_problem, checkout, deliver_to

INBOX = "/api/v1/notifications"


def kinds_of(user) -> list[str]:
    return list(
        db.session.scalars(select(Notification.kind).where(Notification.user_id == user.id).order_by(Notification.id))
    )


def test_an_order_tells_its_customer_and_the_admins(client, customer, admin, address, zone):
    add_to_cart(client, customer, ProductFactory(stock=5))
    order = checkout(client, customer, address, payment_method="cash").get_json()
    assert kinds_of(customer.user) == ["order_placed"]
    assert kinds_of(admin.user) == ["new_order"]
    for status in ("processing", "shipped", "out_for_delivery", "delivered"):
        client.patch(f"/api/v1/orders/{order['id']}/status", json={"status": status}, headers=admin.headers)
    assert kinds_of(customer.user) == ["order_placed", "order_shipped", "order_out_for_delivery", "order_delivered"]
    inbox = client.get(INBOX, headers=customer.headers).get_json()
    newest = inbox["items"][0]
    assert (newest["kind"], newest["subject_type"], newest["subject_id"]) == ("order_delivered", "order", order["id"])
    assert order["reference"] in newest["body"] and newest["read_at"] is None


def test_every_active_admin_is_told_once_and_no_one_else(client, customer, admin, address, zone):
    second = UserFactory(role="admin")
    retired = UserFactory(role="admin", is_active=False)
    supplier = UserFactory(role="supplier")
    add_to_cart(client, customer, ProductFactory(stock=5))
    order = checkout(client, customer, address).get_json()
    for user in (admin.user, second):
        row = db.session.scalars(select(Notification).where(Notification.user_id == user.id)).one()
        assert (row.kind, row.subject_type, row.subject_id, row.read_at) == ("new_order", "order", order["id"], None)
        assert order["reference"] in row.title + row.body and row.created_at is not None
    assert kinds_of(retired) == [] and kinds_of(supplier) == []


def test_a_cancellation_and_a_failed_payment_are_told(client, customer, admin, address, zone):
    add_to_cart(client, customer, ProductFactory(stock=5, price=Decimal("100.00")))
    placed = checkout(client, customer, address).get_json()
    payment = Payment(
        order_id=placed["id"],
        user_id=customer.user.id,
        provider="mpesa",
        amount=Decimal("350.00"),
        currency="KES",
        order_amount=Decimal("350.00"),
        provider_reference="ws_CO_1",
    )
    db.session.add(payment)
    db.session.flush()
    settle(payment, Outcome("ws_CO_1", "cancelled", code="cancelled", reason="Request cancelled by user"))
    db.session.flush()
    client.post(f"/api/v1/orders/{placed['id']}/cancel", json={}, headers=customer.headers)
    assert kinds_of(customer.user)[-2:] == ["payment_failed", "order_cancelled"]


def test_a_payment_paid_twice_or_of_another_amount_alerts_the_admins(customer, admin, address, zone):
    order = deliver_to(customer.user, ProductFactory(stock=5), until=OrderStatus.PROCESSING)
    payment = Payment(
        order_id=order.id,
        user_id=customer.user.id,
        provider="mpesa",
        amount=Decimal("10.00"),
        currency="KES",
        order_amount=Decimal("10.00"),
        provider_reference="ws_CO_2",
    )
    db.session.add(payment)
    db.session.flush()
    settle(payment, Outcome("ws_CO_2", "succeeded", amount=Decimal("10.00"), receipt="R1"))  # order not awaiting it
    assert kinds_of(admin.user)[-1] == "payment_needs_attention"


def test_return_decisions_are_told_and_new_returns_reach_the_admins(customer, admin):
    order = deliver_to(customer.user, ProductFactory(stock=5), quantity=2)
    lines = [{"order_line_id": order.lines[0].id, "quantity": 1}]
    first = create_return(customer.user, {"order_id": order.id, "lines": lines, "reason": "damaged"})
    second = create_return(customer.user, {"order_id": order.id, "lines": lines, "reason": "other"})
    assert kinds_of(admin.user)[-2:] == ["new_return", "new_return"]
    approve_return(admin.user, first.id)
    receive_return(admin.user, first.id, restock=True)
    reject_return(admin.user, second.id, "Opened and used")
    assert kinds_of(customer.user)[-3:] == ["return_approved", "return_received", "return_rejected"]
    rejected = db.session.scalar(select(Notification).order_by(Notification.id.desc()))
    assert "Opened and used" in rejected.body and rejected.subject_type == "return"


def test_the_inbox_pages_filters_and_marks_read(client, customer, other_customer, admin):
    order = deliver_to(customer.user, ProductFactory(stock=5))
    transition(order, OrderStatus.RETURNED, Actor(ActorKind.SYSTEM))  # not told: no notification for it
    db.session.commit()
    everything = client.get(INBOX, query_string={"per_page": 2}, headers=customer.headers).get_json()
    total = everything["meta"]["total"]
    assert total == 4 and everything["meta"]["unread_count"] == 4 and len(everything["items"]) == 2
    first = everything["items"][0]["id"]
    read = client.post(f"{INBOX}/{first}/read", headers=customer.headers)
    assert read.status_code == 200 and read.get_json()["read_at"] is not None
    again = client.post(f"{INBOX}/{first}/read", headers=customer.headers).get_json()
    assert again["read_at"] == read.get_json()["read_at"]  # the first time stays
    unread = client.get(INBOX, query_string={"unread": "true"}, headers=customer.headers).get_json()
    assert first not in [n["id"] for n in unread["items"]] and unread["meta"]["unread_count"] == 3
    assert_problem(client.post(f"{INBOX}/{first}/read", headers=other_customer.headers), 404, "notification_not_found")
    assert client.get(INBOX, headers=other_customer.headers).get_json()["meta"]["total"] == 0
    assert client.post(f"{INBOX}/read-all", headers=customer.headers).get_json() == {"marked": 3}
    assert client.get(INBOX, headers=customer.headers).get_json()["meta"]["unread_count"] == 0
    assert_problem(client.get(INBOX), 401, "missing_token")
    assert_problem(
        client.get(INBOX, query_string={"unread": "maybe"}, headers=customer.headers), 422, "validation_error"
    )


def test_a_deleted_account_takes_its_notifications(client, customer):
    deliver_to(customer.user, ProductFactory(stock=5))
    db.session.commit()
    assert kinds_of(customer.user)
    assert (
        client.delete("/api/v1/me", json={"password": customer.password}, headers=customer.headers).status_code == 204
    )
    assert kinds_of(customer.user) == []
