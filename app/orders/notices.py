"""What customers and admins are told of orders (in-app notifications), in the transaction of
the change. Emails are sent where the change is made (checkout's confirmation, payments' receipt)."""

from __future__ import annotations

from app.notifications.inbox import Kind, notify, notify_admins
from app.orders.models import Order
from app.orders.status import OrderStatus

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
    """The customer's confirmation, and every admin's "new order"."""
    total = f"{order.currency} {order.total}"
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
    """Tell the customer of the statuses they care about."""
    told = ON_STATUS.get(to)
    if told is not None:
        kind, title, body = told
        notify(order.user_id, kind, title, body.format(ref=order.reference), ("order", order.id))
