"""Cash on delivery: an admin records the cash received."""

from __future__ import annotations

from decimal import Decimal

from app.auth.models import User
from app.common.types import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.orders.services.fulfilment import amount_due
from app.orders.services.orders import mark_paid_in_cash, order_to_pay
from app.orders.status import OrderStatus, PaymentMethod
from app.payments.errors import (
    OrderAlreadyPaid,
    OrderNotPayable,
)
from app.payments.models import Payment, PaymentStatus, Provider
from app.payments.services.accounting import money_in


def confirm_cash(admin: User, order_id: int, amount: Decimal) -> Payment:
    """Record the cash received for a cash-on-delivery order (admin) and move the order along:
    waiting for payment -> paid, out for delivery -> delivered; otherwise it keeps its state.
    The amount must be what is due (the order's total less any lines their sellers cancelled); an
    order paid already is 409."""
    order = order_to_pay(admin, order_id)  # locked: two confirmations queue here
    if order.payment_method != PaymentMethod.CASH.value:
        raise OrderNotPayable(f"This order is to be paid by {order.payment_method}, not in cash.")
    if order.status in (OrderStatus.CANCELLED.value, OrderStatus.RETURNED.value):
        raise OrderNotPayable(f"This order is {order.status}: there is nothing to pay.")
    if order.paid_at is not None:
        raise OrderAlreadyPaid("The cash for this order was confirmed already.")
    due = amount_due(order)
    if amount != due:
        raise ValidationFailed.field("amount", f"The amount due for this order is {order.currency} {due}.")
    now = utcnow()
    payment = Payment(
        order_id=order.id,
        user_id=order.user_id,
        provider=Provider.CASH.value,
        status=PaymentStatus.SUCCEEDED.value,
        amount=amount,
        currency=order.currency,
        order_amount=due,
        amount_paid=amount,
        details={"confirmed_by": admin.id},
        settled_at=now,
    )
    db.session.add(payment)
    mark_paid_in_cash(order, admin, f"Cash {order.currency} {amount} received (confirmed by admin {admin.id}).")
    db.session.flush()
    money_in(payment)
    return payment
