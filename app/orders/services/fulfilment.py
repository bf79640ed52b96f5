"""What orders offer the marketplace's sellers: which orders a seller still has open, locking an
order while one of its parts moves, advancing it along fulfilment, cancelling a seller's lines
and what is then still due."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.orders.errors import OrderNotFound
from app.orders.models import Order, OrderLine
from app.orders.services.orders import SYSTEM, Actor, restock_lines, transition
from app.orders.status import ActorKind, OrderStatus, rule_for

# Orders not finished yet: a seller with one of these in its lines cannot close its store.
OPEN_STATUSES = (
    OrderStatus.PENDING_PAYMENT.value,
    OrderStatus.PAID.value,
    OrderStatus.PROCESSING.value,
    OrderStatus.SHIPPED.value,
    OrderStatus.OUT_FOR_DELIVERY.value,
)


def open_orders_of_seller(seller_id: int) -> int:
    """How many unfinished orders hold a line of the seller's it has not cancelled."""
    return int(
        db.session.scalar(
            select(func.count(func.distinct(Order.id)))
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(OrderLine.seller_id == seller_id, OrderLine.cancelled_at.is_(None), Order.status.in_(OPEN_STATUSES))
        )
        or 0
    )


# The fulfilment path, in order: an order only ever advances along it.
FULFILMENT = (
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.OUT_FOR_DELIVERY,
    OrderStatus.DELIVERED,
)


def lock_order(order_id: int) -> Order | None:
    """The order, its row locked until the caller's transaction ends: what changes one of its
    seller orders locks it first, so parts of one order moving at once run one after the other
    (and the order's status, derived from them, is never decided on a stale read)."""
    return db.session.get(Order, order_id, with_for_update=True, populate_existing=True)


def advance(order_id: int, to: OrderStatus, note: str) -> Order | None:
    """Move an order forward along its fulfilment path up to `to` (the system actor: its seller
    orders moved), one step of the machine at a time, each with its event. An order already as
    far, or cancelled, stays as it is."""
    order = db.session.get(Order, order_id, with_for_update=True, populate_existing=True)
    if order is None:
        return None
    target = FULFILMENT.index(to)
    while True:
        current = OrderStatus(order.status)
        position = FULFILMENT.index(current) if current in FULFILMENT else -1
        if current not in (OrderStatus.PAID, OrderStatus.PENDING_PAYMENT) and position < 0:
            return order  # cancelled, returned
        if position >= target:
            return order
        nxt = FULFILMENT[position + 1]
        if rule_for(order, nxt, ActorKind.SYSTEM) is None:
            return order  # an unpaid order that is not cash waits for its payment
        transition(order, nxt, SYSTEM, note)


def cancel_seller_lines(order_id: int, seller_id: int, user: User, reason: str) -> tuple[Order, list[OrderLine]]:
    """A seller cannot deliver its lines of an order (the order locked by the caller, its part
    cancelled). The lines not restocked yet go back to stock and are marked cancelled (no longer
    due); when no live line is left the order is cancelled as a whole, as a customer's
    cancellation is (the remaining stock and the whole payment back, the customer told). Returns
    the order and the lines cancelled now: the caller refunds them and tells the customer when
    the order goes on."""
    order = db.session.get(Order, order_id, populate_existing=True)
    if order is None:
        raise OrderNotFound("No such order.")
    lines = restock_lines(OrderLine.order_id == order_id, OrderLine.seller_id == seller_id, cancel=True)
    live = db.session.scalar(
        select(func.count()).where(OrderLine.order_id == order_id, OrderLine.cancelled_at.is_(None))
    )
    if not live and order.status != OrderStatus.CANCELLED.value:
        transition(order, OrderStatus.CANCELLED, Actor(ActorKind.SELLER, user), reason)
    db.session.refresh(order, ["lines"])
    return order, lines


def amount_due(order: Order) -> Decimal:
    """What the payment method owes for the order: its total less what the wallet pays and the
    lines their sellers cancelled."""
    cancelled = db.session.scalar(
        select(func.coalesce(func.sum(OrderLine.line_total), 0)).where(
            OrderLine.order_id == order.id, OrderLine.cancelled_at.is_not(None)
        )
    )
    return order.total - order.wallet_amount - Decimal(str(cancelled or 0))
