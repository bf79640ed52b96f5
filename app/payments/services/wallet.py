"""Paying with the wallet (store credit): its part of an order is held at checkout (the wallet's
balance under its row lock: ten checkouts at once never spend it twice), spent when the order is
paid (by the wallet alone at once, or when the method pays the rest), and given back if the order
is cancelled unpaid. Each part is a Payment of provider `wallet`, so refunds, reports and the
order's payments treat it as any other; refunds of it go back into the wallet."""

from __future__ import annotations

from sqlalchemy import select

from app.common.types import utcnow
from app.extensions import db
from app.ledger import chart
from app.ledger.chart import WalletBucket
from app.ledger.services import credit, debit, locked_balance, post
from app.orders.models import Order
from app.orders.services.orders import mark_paid
from app.orders.status import PaymentMethod
from app.payments.errors import InsufficientWallet
from app.payments.models import Payment, PaymentStatus, Provider


def hold(order: Order) -> Payment:
    """Set the order's wallet part aside (checkout's transaction; 409 `insufficient_wallet` when
    the wallet holds less, which refuses the checkout) and, when it pays the whole order, pay it."""
    amount = order.wallet_amount
    wallet = chart.wallet(order.user_id)
    available = locked_balance(wallet)
    if available < amount:
        raise InsufficientWallet(
            f"Your wallet holds KES {available}; this order takes KES {amount} of it.", balance=str(available)
        )
    payment = Payment(
        order_id=order.id,
        user_id=order.user_id,
        provider=Provider.WALLET.value,
        status=PaymentStatus.PENDING.value,
        amount=amount,
        currency=order.currency,
        order_amount=amount,
        provider_reference=f"WALLET-{order.reference}",
    )
    db.session.add(payment)
    db.session.flush()
    post(
        f"payment:{payment.id}:held",
        "wallet_hold",
        [debit(wallet, amount), credit(chart.wallet(order.user_id, WalletBucket.HELD), amount)],
        order_id=order.id,
        reference=order.reference,
        memo=f"Held for order {order.reference}",
        actor_id=order.user_id,
    )
    if order.payment_method == PaymentMethod.WALLET.value:
        mark_paid(order.id, "Paid from the wallet")  # order_paid: the hold is spent (capture)
    return payment


def _held_parts(order_id: int) -> list[Payment]:
    return list(
        db.session.scalars(
            select(Payment)
            .where(
                Payment.order_id == order_id,
                Payment.provider == Provider.WALLET.value,
                Payment.status == PaymentStatus.PENDING.value,
            )
            .with_for_update()
        )
    )


def capture(order_id: int) -> None:
    """The order is paid: its wallet part is spent (held -> the order's customer funds, as any
    payment's money in), once."""
    for payment in _held_parts(order_id):
        payment.status = PaymentStatus.SUCCEEDED.value
        payment.amount_paid, payment.settled_at = payment.amount, utcnow()
        post(
            f"payment:{payment.id}",
            "payment",
            [
                debit(chart.wallet(payment.user_id, WalletBucket.HELD), payment.amount),
                credit(chart.CUSTOMER_FUNDS, payment.amount),
            ],
            order_id=order_id,
            reference=payment.provider_reference,
            memo="Paid from the wallet",
            actor_id=payment.user_id,
        )


def release(order_id: int) -> None:
    """The order was cancelled (or expired) unpaid: its wallet part goes back, once."""
    for payment in _held_parts(order_id):
        payment.status, payment.settled_at = PaymentStatus.CANCELLED.value, utcnow()
        post(
            f"payment:{payment.id}:released",
            "wallet_release",
            [
                debit(chart.wallet(payment.user_id, WalletBucket.HELD), payment.amount),
                credit(chart.wallet(payment.user_id), payment.amount),
            ],
            order_id=order_id,
            reference=payment.provider_reference,
            memo="Order cancelled unpaid: back in the wallet",
        )
