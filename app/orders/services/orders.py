"""Orders after checkout: reading them, moving them through the status machine, cancelling and
expiring them (giving their stock back exactly once)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import selectinload

from app.auth.models import Role, User
from app.catalog.services.stock import give_back_stock
from app.common.db import changed_rows, unit_of_work
from app.common.pagination import paginate
from app.common.types import utcnow
from app.extensions import db
from app.orders.errors import InvalidTransition, OrderNotFound
from app.orders.models import Order, OrderEvent, OrderLine
from app.orders.notices import order_moved
from app.orders.signals import order_cancelled, order_paid, order_status_changed
from app.orders.status import ActorKind, OrderStatus, PaymentMethod, allowed_next, rule_for

log = logging.getLogger("duka.orders")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changes an order: a customer, an admin, or the system (user None)."""

    kind: ActorKind
    user: User | None = None

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(ActorKind.ADMIN if user.role == Role.ADMIN.value else ActorKind.CUSTOMER, user)


SYSTEM = Actor(ActorKind.SYSTEM)


def _with_everything(stmt: Select) -> Select:
    return stmt.options(selectinload(Order.lines), selectinload(Order.events))


def _visible_to(user: User, stmt: Select) -> Select:
    return stmt if user.role == Role.ADMIN.value else stmt.where(Order.user_id == user.id)


def get_order(user: User, order_id: int) -> Order:
    """An order its customer (or an admin) may see; anyone else's is 404."""
    order = db.session.scalar(_with_everything(_visible_to(user, select(Order).where(Order.id == order_id))))
    if order is None:
        raise OrderNotFound("No such order.")
    return order


def get_order_by_reference(user: User, reference: str) -> Order:
    stmt = select(Order).where(Order.reference == reference.strip().upper())
    order = db.session.scalar(_with_everything(_visible_to(user, stmt)))
    if order is None:
        raise OrderNotFound("No such order.")
    return order


def list_orders(user: User, query: dict[str, Any]) -> dict[str, Any]:
    """A page of orders, newest first: a customer's own; for an admin everyone's, filtered by
    status, customer, reference and creation time (`created_from` inclusive, `created_to` exclusive)."""
    stmt = _with_everything(_visible_to(user, select(Order))).order_by(Order.created_at.desc(), Order.id.desc())
    if query.get("status"):
        stmt = stmt.where(Order.status.in_(query["status"]))
    if query.get("created_from"):
        stmt = stmt.where(Order.created_at >= query["created_from"])
    if query.get("created_to"):
        stmt = stmt.where(Order.created_at < query["created_to"])
    if query.get("reference"):
        stmt = stmt.where(Order.reference == query["reference"].strip().upper())
    if query.get("customer_id") is not None:
        stmt = stmt.where(Order.user_id == query["customer_id"])
    return paginate(stmt, query["page"], query["per_page"])


def record_event(order: Order, frm: str | None, to: str, actor: Actor, note: str | None = None) -> None:
    order.events.append(
        OrderEvent(
            from_status=frm,
            to_status=to,
            actor_id=actor.user.id if actor.user else None,
            actor_kind=actor.kind.value,
            note=note,
        )
    )


def transition(order: Order, to: OrderStatus, actor: Actor, note: str | None = None) -> Order:
    """Move `order` to `to` if the machine allows it for `actor`, with its event and effects.

    The status is changed by a conditional UPDATE on the state it was read in: of two requests
    racing (a cancel and the expiry job), one wins and the other gets 409 `invalid_transition`.
    """
    current = order.status
    if rule_for(order, to, actor.kind) is None:
        allowed = [state.value for state in allowed_next(order, actor.kind)]
        raise InvalidTransition(
            f"An order that is {current} cannot become {to.value}"
            + (f"; it can become: {', '.join(allowed)}." if allowed else "."),
            allowed=allowed,
        )
    moved = changed_rows(
        update(Order)
        .where(Order.id == order.id, Order.status == current)
        .values(status=to.value, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved != 1:
        db.session.refresh(order)
        raise InvalidTransition(
            f"The order changed meanwhile: it is now {order.status}.",
            allowed=[state.value for state in allowed_next(order, actor.kind)],
        )
    db.session.refresh(order, ["status", "updated_at"])
    record_event(order, current, to.value, actor, note)
    order_moved(order, to)
    order_status_changed.send(order, previous=current, actor=actor)
    if to is OrderStatus.CANCELLED:
        _give_stock_back(order)
        order_cancelled.send(order, previous=current, actor=actor)
    elif to is OrderStatus.PAID and order.paid_at is None:
        order.paid_at = utcnow()
    return order


def _give_stock_back(order: Order) -> None:
    """Return what the order took, once: the `stock_returned_at` claim is a conditional UPDATE,
    and lines whose seller cancelled them (restocked then) are not restocked again."""
    claimed = changed_rows(
        update(Order)
        .where(Order.id == order.id, Order.stock_returned_at.is_(None))
        .values(stock_returned_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        return
    restock_lines(OrderLine.order_id == order.id)
    db.session.refresh(order, ["stock_returned_at"])


def restock_lines(*where: Any, cancel: bool = False) -> list[OrderLine]:
    """Give back the stock of the lines matching `where` not restocked yet, each claimed by one
    conditional UPDATE (`restocked_at`): whichever cancellation comes first restocks a line, the
    other finds it claimed. Returns the lines claimed (`cancel`: marked cancelled too)."""
    now = utcnow()
    values: dict[str, Any] = {"restocked_at": now}
    if cancel:
        values["cancelled_at"] = now
    claimed = (
        db.session.execute(
            update(OrderLine)
            .where(*where, OrderLine.restocked_at.is_(None))
            .values(**values)
            .returning(OrderLine.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    if not claimed:
        return []
    lines = db.session.scalars(
        select(OrderLine).where(OrderLine.id.in_(claimed)).execution_options(populate_existing=True)
    ).all()
    quantities: dict[int, int] = {}
    for line in lines:
        quantities[line.product_id] = quantities.get(line.product_id, 0) + line.quantity
    give_back_stock(quantities)
    return list(lines)


def change_status(admin: User, order_id: int, status: OrderStatus, note: str | None) -> Order:
    """An admin moves an order along the machine (PATCH /orders/{id}/status)."""
    return transition(get_order(admin, order_id), status, Actor.of(admin), note)


def cancel(user: User, order_id: int, reason: str | None) -> Order:
    """A customer cancels their order before it ships; its stock goes back (once)."""
    return transition(get_order(user, order_id), OrderStatus.CANCELLED, Actor.of(user), reason)


def payment_due(method: PaymentMethod, now: datetime | None = None) -> datetime:
    """When an order placed now stops waiting: its payment (ORDER_PAYMENT_TIMEOUT_MINUTES), or
    for cash on delivery an admin's confirmation (CASH_CONFIRM_HOURS)."""
    config = current_app.config
    if method is PaymentMethod.CASH:
        return (now or utcnow()) + timedelta(hours=config["CASH_CONFIRM_HOURS"])
    return (now or utcnow()) + timedelta(minutes=config["ORDER_PAYMENT_TIMEOUT_MINUTES"])


def unpaid_holdings(user_id: int) -> tuple[int, int]:
    """How many of the user's orders await payment, and how many units they hold."""
    orders, units = db.session.execute(
        select(func.count(func.distinct(Order.id)), func.coalesce(func.sum(OrderLine.quantity), 0))
        .select_from(Order)
        .join(OrderLine, OrderLine.order_id == Order.id)
        .where(Order.user_id == user_id, Order.status == OrderStatus.PENDING_PAYMENT.value)
    ).one()
    return int(orders), int(units)


def expire_unpaid(now: datetime | None = None) -> int:
    """Cancel orders past their payment time (unpaid, or cash not confirmed), each in its own
    unit of work; returns how many. An order paid or cancelled meanwhile is left alone."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Order.id)
        .where(Order.status == OrderStatus.PENDING_PAYMENT.value, Order.payment_due_at <= now)
        .order_by(Order.id)
    ).all()
    expired = 0
    for order_id in due:
        try:
            with unit_of_work():
                order = db.session.get(Order, order_id, populate_existing=True)
                if order is None:
                    continue
                cash = order.payment_method == PaymentMethod.CASH.value
                transition(
                    order, OrderStatus.CANCELLED, SYSTEM, "Not confirmed in time." if cash else "Not paid in time."
                )
            expired += 1
        except InvalidTransition:
            log.info("order %s changed before it could expire", order_id)
    return expired


# For payments (app/payments): which orders can be paid, and marking one paid ----------------------


def order_to_pay(user: User, order_id: int) -> Order:
    """The user's order (any, for an admin), its row locked until the caller's transaction ends
    (so two payment attempts for one order run one after the other); someone else's is 404."""
    stmt = _visible_to(user, select(Order).where(Order.id == order_id)).with_for_update()
    order = db.session.scalar(stmt)
    if order is None:
        raise OrderNotFound("No such order.")
    return order


def mark_paid(order_id: int, note: str) -> bool:
    """Move an order to `paid` (the system actor, for payments). False when it is no longer
    waiting for payment (paid by another attempt, cancelled, expired): the caller then owes a
    refund."""
    order = db.session.get(Order, order_id, with_for_update=True, populate_existing=True)
    if order is None or order.status != OrderStatus.PENDING_PAYMENT.value:
        return False
    try:
        transition(order, OrderStatus.PAID, SYSTEM, note)
    except InvalidTransition:
        return False
    order_paid.send(order)
    return True


def mark_paid_in_cash(order: Order, admin: User, note: str) -> Order:
    """Cash was received for a cash-on-delivery order (payments' cash confirmation; the order is
    locked by `order_to_pay`). It becomes paid; waiting for payment it moves to `paid`, out for
    delivery to `delivered` (the cash is taken at the door); otherwise it keeps its state."""
    order.paid_at = utcnow()
    if order.status == OrderStatus.PENDING_PAYMENT.value:
        transition(order, OrderStatus.PAID, SYSTEM, note)
    elif order.status == OrderStatus.OUT_FOR_DELIVERY.value:
        transition(order, OrderStatus.DELIVERED, Actor.of(admin), note)
    order_paid.send(order)
    return order


# For reviews and returns ---------------------------------------------------------------------------


def has_received(user_id: int, product_id: int) -> bool:
    """Whether the user has a delivered (or since returned) order with this product in it."""
    stmt = (
        select(OrderLine.id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.user_id == user_id,
            OrderLine.product_id == product_id,
            Order.status.in_((OrderStatus.DELIVERED.value, OrderStatus.RETURNED.value)),
        )
        .limit(1)
    )
    return db.session.scalar(stmt) is not None


def order_for_return(user: User, order_id: int) -> tuple[Order, datetime | None]:
    """The user's order, locked (returns of one order are decided one after the other), and when
    it was delivered (None if it never was); someone else's is 404."""
    order = order_to_pay(user, order_id)
    delivered_at = db.session.scalar(
        select(OrderEvent.created_at)
        .where(OrderEvent.order_id == order.id, OrderEvent.to_status == OrderStatus.DELIVERED.value)
        .order_by(OrderEvent.id.desc())
        .limit(1)
    )
    return order, delivered_at


def mark_returned(order_id: int, note: str) -> bool:
    """Every line of a delivered order came back (returns): it becomes `returned`."""
    order = db.session.get(Order, order_id, with_for_update=True, populate_existing=True)
    if order is None or order.status != OrderStatus.DELIVERED.value:
        return False
    transition(order, OrderStatus.RETURNED, SYSTEM, note)
    return True
