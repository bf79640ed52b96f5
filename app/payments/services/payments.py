"""Reading payments (a customer's own, an admin's any) and the methods offered; which orders can be paid."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.auth.models import Role, User
from app.common.types import utcnow
from app.extensions import db
from app.orders.models import Order
from app.orders.services.orders import order_to_pay
from app.orders.status import OrderStatus, PaymentMethod
from app.payments.errors import (
    OrderNotPayable,
    PaymentInProgress,
    PaymentNotFound,
)
from app.payments.gateways.mpesa import MAX_AMOUNT, MIN_AMOUNT, MpesaGateway
from app.payments.gateways.paypal import PaypalGateway
from app.payments.gateways.paystack import PaystackGateway
from app.payments.models import Payment, PaymentStatus, Provider


def available_methods() -> list[dict[str, Any]]:
    """The payment methods this deployment offers (a provider without credentials is not)."""
    currency = current_app.config["STORE_CURRENCY"]
    methods = []
    if MpesaGateway.of_app().configured:
        methods.append(
            {
                "method": "mpesa",
                "currency": "KES",
                "exchange_rate": None,
                "min_amount": MIN_AMOUNT,
                "max_amount": MAX_AMOUNT,
            }
        )
    if PaystackGateway.of_app().configured:
        methods.append(
            {"method": "card", "currency": currency, "exchange_rate": None, "min_amount": None, "max_amount": None}
        )
    paypal = PaypalGateway.of_app()
    if paypal.configured:
        methods.append(
            {
                "method": "paypal",
                "currency": paypal.currency,
                "exchange_rate": paypal.rate if paypal.currency != currency else None,
                "min_amount": None,
                "max_amount": None,
            }
        )
    methods.append(
        {"method": "cash", "currency": currency, "exchange_rate": None, "min_amount": None, "max_amount": None}
    )
    # Store credit: the whole order from the wallet (checkout's `wallet_amount` pays part of one).
    methods.append(
        {"method": "wallet", "currency": currency, "exchange_rate": None, "min_amount": None, "max_amount": None}
    )
    return methods


def get_payment(user: User, payment_id: int) -> Payment:
    """A payment its customer (or an admin) may see; anyone else's is 404."""
    stmt = select(Payment).where(Payment.id == payment_id)
    if user.role != Role.ADMIN.value:
        stmt = stmt.where(Payment.user_id == user.id)
    payment = db.session.scalar(stmt)
    if payment is None:
        raise PaymentNotFound("No such payment.")
    return payment


def payments_of_order(user: User, order_id: int, page: int, per_page: int) -> dict[str, Any]:
    """The order's payment attempts, oldest first, one page; someone else's order is 404."""
    from app.common.pagination import paginate
    from app.orders.services.orders import get_order

    order = get_order(user, order_id)
    return paginate(select(Payment).where(Payment.order_id == order.id).order_by(Payment.id), page, per_page)


# An STK prompt dies on the phone within about a minute: a pending M-Pesa attempt older than
# this is no longer open (the reconciliation settles it). A Paystack or PayPal attempt stays open
# as long as the order waits: its page can still be paid.
MPESA_PENDING_WINDOW = timedelta(minutes=3)


def payable_order(user: User, order_id: int, method: PaymentMethod) -> Order:
    """The user's order, locked, if it awaits payment by `method`, its time to pay is not over
    and no attempt of it is open (409 otherwise: one open attempt per order, whatever the
    provider; the open one's id, and the page to pay it at where it has one, in the problem)."""
    order = order_to_pay(user, order_id)
    if order.status != OrderStatus.PENDING_PAYMENT.value:
        raise OrderNotPayable(f"This order is {order.status}: there is nothing to pay.")
    if order.payment_method != method.value:
        raise OrderNotPayable(f"This order is to be paid by {order.payment_method}, not {method.value}.")
    now = utcnow()
    if order.payment_due_at is not None and order.payment_due_at <= now:
        raise OrderNotPayable("The time to pay this order is over: it is about to be cancelled.")
    attempt = db.session.scalar(
        select(Payment)
        .where(
            Payment.order_id == order.id,
            Payment.status == PaymentStatus.PENDING.value,
            Payment.provider != Provider.WALLET.value,  # the wallet's part, held: not an attempt
        )
        .order_by(Payment.id.desc())
        .limit(1)
    )
    if attempt is None:
        return order
    is_mpesa = attempt.provider == Provider.MPESA.value
    if not is_mpesa or attempt.created_at > now - MPESA_PENDING_WINDOW:
        details = attempt.details or {}
        if is_mpesa:
            detail = "A payment prompt for this order was just sent: answer it, or wait and try again."
        else:
            detail = "A payment of this order is open: finish it at its page (`redirect_url`)."
        raise PaymentInProgress(
            detail,
            payment_id=attempt.id,
            redirect_url=details.get("authorization_url") or details.get("approve_url"),
        )
    return order


def payment_by_reference(user: User, provider: Provider, reference: str) -> Payment:
    """The user's (any, for an admin) attempt with this provider reference, locked; else 404."""
    stmt = select(Payment).where(Payment.provider == provider.value, Payment.provider_reference == reference)
    if user.role != Role.ADMIN.value:
        stmt = stmt.where(Payment.user_id == user.id)
    payment = db.session.scalar(stmt.with_for_update())
    if payment is None:
        raise PaymentNotFound("No such payment.")
    return payment


def list_payments(query: dict[str, Any]) -> dict[str, Any]:
    """Admins: payments newest first, filtered by status, provider, order and needs_refund."""
    from app.common.pagination import paginate

    stmt = select(Payment).order_by(Payment.created_at.desc(), Payment.id.desc())
    if query.get("status"):
        stmt = stmt.where(Payment.status.in_(query["status"]))
    if query.get("provider"):
        stmt = stmt.where(Payment.provider == query["provider"])
    if query.get("order_id") is not None:
        stmt = stmt.where(Payment.order_id == query["order_id"])
    if query.get("needs_refund") is not None:
        stmt = stmt.where(Payment.needs_refund.is_(query["needs_refund"]))
    return paginate(stmt, query["page"], query["per_page"])
