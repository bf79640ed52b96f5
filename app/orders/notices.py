"""What customers and admins are told of orders, in the transaction of the change: in-app
notifications, and the templated emails (app/notifications/templates/email/)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app

from app.auth.models import User
from app.extensions import db
from app.notifications.emails import send_templated
from app.notifications.inbox import Kind, notify, notify_admins
from app.notifications.services import frontend_link
from app.orders.models import Order, OrderLine
from app.orders.status import OrderStatus, PaymentMethod

# Statuses that are also emailed (the others are in-app only).
EMAILED = {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.CANCELLED}

# A status an order moves to -> what its customer is told ({ref}: the order's reference).
ON_STATUS: dict[OrderStatus, tuple[Kind, str, str]] = {
    OrderStatus.PAID: (Kind.ORDER_PAID, "Payment received", "We received the payment for order {ref}."),
    OrderStatus.SHIPPED: (Kind.ORDER_SHIPPED, "Order shipped", "Order {ref} is on its way."),
    OrderStatus.OUT_FOR_DELIVERY: (
        Kind.ORDER_OUT_FOR_DELIVERY,
        "Out for delivery",
        "Order {ref} is out for delivery today.",
    ),
    OrderStatus.DELIVERED: (Kind.ORDER_DELIVERED, "Order delivered", "Order {ref} was delivered. Enjoy!"),
    OrderStatus.CANCELLED: (Kind.ORDER_CANCELLED, "Order cancelled", "Order {ref} was cancelled."),
}


def order_placed(order: Order) -> None:
    """The customer's confirmation (in the app and by email), and every admin's "new order"."""
    total = f"{order.currency} {order.total}"
    if order.payment_method == PaymentMethod.CASH:
        note = "You pay in cash on delivery."
    else:
        note = f"Please pay within {current_app.config['ORDER_PAYMENT_TIMEOUT_MINUTES']} minutes, or it is cancelled."
    email_customer(order, f"Your order {order.reference}", "order_confirmation", payment_note=note)
    notify(
        order.user_id,
        Kind.ORDER_PLACED,
        "Order placed",
        f"We have order {order.reference} ({total}).",
        ("order", order.id),
    )
    notify_admins(
        Kind.NEW_ORDER, "New order", f"Order {order.reference}: {total}, {order.payment_method}.", ("order", order.id)
    )


def order_moved(order: Order, to: OrderStatus) -> None:
    """Tell the customer of the statuses they care about (shipped, delivered, cancelled by email too)."""
    told = ON_STATUS.get(to)
    if told is None:
        return
    kind, title, body = told
    message = body.format(ref=order.reference)
    notify(order.user_id, kind, title, message, ("order", order.id))
    if to in EMAILED:
        email_customer(order, f"{title}: {order.reference}", "order_status", message=message)


def lines_cancelled(order: Order, lines: list[OrderLine], reason: str, *, refunded: bool) -> None:
    """The customer is told (in the app and by email) that some lines will not come: which, why,
    and that what they paid for them comes back; the rest of the order goes on."""
    names = ", ".join(f"{line.name} x{line.quantity}" for line in lines)
    value = sum((line.line_total for line in lines), Decimal("0.00"))
    money = "is being refunded" if refunded else "is not due"
    message = (
        f"Its seller cannot deliver part of order {order.reference}: {names} ({reason}). "
        f"{order.currency} {value} {money}; the rest of your order is on its way."
    )
    notify(order.user_id, Kind.ORDER_LINES_CANCELLED, "Part of your order was cancelled", message, ("order", order.id))
    email_customer(order, f"Part of your order {order.reference} was cancelled", "order_status", message=message)


def order_view(order: Order) -> dict[str, Any]:
    """An order as the emails list it: reference, lines and totals, and its link."""
    return {
        "reference": order.reference,
        "currency": order.currency,
        "lines": [
            {"name": line.name, "quantity": line.quantity, "line_total": line.line_total} for line in order.lines
        ],
        "subtotal": order.subtotal,
        "delivery_fee": order.delivery_fee,
        "total": order.total,
        "link": frontend_link("orders", reference=order.reference),
    }


def email_customer(order: Order, subject: str, template: str, **context: Any) -> None:
    """A templated email about `order` to its customer (lines and totals included)."""
    customer = db.session.get(User, order.user_id)
    if customer is not None and customer.is_active:
        send_templated(customer.email, subject, template, order=order_view(order), **context)


def email_about(order_id: int, subject: str, template: str, **context: Any) -> None:
    """The same, for domains that hold an order's id (payments, returns)."""
    order = db.session.get(Order, order_id)
    if order is not None:
        email_customer(order, subject, template, **context)
