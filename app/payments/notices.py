"""What customers and admins are told of payments (in-app notifications)."""

from __future__ import annotations

from app.notifications.inbox import Kind, notify, notify_admins
from app.orders.notices import email_about
from app.payments.models import Payment, Refund


def payment_failed(payment: Payment) -> None:
    notify(
        payment.user_id,
        Kind.PAYMENT_FAILED,
        "Payment not completed",
        f"Your {payment.provider} payment of {payment.currency} {payment.amount} did not go through "
        f"({payment.failure_reason or payment.status}). You can try again.",
        ("payment", payment.id),
    )


def needs_attention(payment: Payment, why: str) -> None:
    """A payment an admin must look at: paid another amount than asked, or owed back."""
    notify_admins(
        Kind.PAYMENT_NEEDS_ATTENTION,
        "Payment needs attention",
        f"Payment {payment.id} ({payment.provider}, {payment.currency} {payment.amount_paid}): {why}.",
        ("payment", payment.id),
    )


def refunded(payment: Payment, refund: Refund) -> None:
    message = f"We are refunding {payment.currency} {refund.amount} of your {payment.provider} payment."
    notify(payment.user_id, Kind.ORDER_REFUNDED, "Refund on its way", message, ("payment", payment.id))
    email_about(payment.order_id, "Refund on its way", "order_status", message=message)
