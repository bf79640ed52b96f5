"""What payments post to the ledger: money coming in and going back out, in the store currency.

A payment that takes money credits the order's customer funds (whatever the order is then owed
onward is the sellers' side, `sellers.services.earnings`); a refund draws on what the order still
holds for its customer there, and beyond that is the shop's own cost (`expense:refunds`); a
payment's or refund's rounding (M-Pesa's whole shillings, PayPal's cents) is `expense:rounding`.
A refund that fails is reversed.
Keys: `payment:{id}`, `refund:{id}`, `refund:{id}:failed`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select

from app.extensions import db
from app.ledger import chart
from app.ledger.services import ZERO, credit, debit, positions, post, posted_to, reverse
from app.orders.models import Order
from app.payments.models import Payment, Refund, RefundDestination, RefundStatus

CENT = Decimal("0.01")


def received(payment: Payment) -> Decimal:
    """What a payment brought in, in the store currency: what was paid, a converted payment
    (PayPal in USD) at its own rate, to the cent."""
    paid = payment.amount_paid or ZERO
    if payment.exchange_rate:
        return (paid * payment.exchange_rate).quantize(CENT, rounding=ROUND_HALF_UP)
    return paid


def money_in(payment: Payment) -> None:
    """A payment took money (paid its order, paid one no longer waiting, paid another amount than
    asked): the shop's cash at the provider grows and the order's customer holds it, until the
    order's sale owes it onward or a refund gives it back. Paid what was asked, the customer
    holds the order's amount and the few cents more a provider took (M-Pesa's whole shilling,
    PayPal's cent up) are rounding. Posted once per payment."""
    amount = received(payment)
    if amount <= 0:
        return
    paid_as_asked = payment.amount_paid == payment.amount and payment.status != "failed"
    held = payment.order_amount if paid_as_asked else amount
    post(
        f"payment:{payment.id}",
        "payment",
        [
            debit(chart.cash(payment.provider), amount),
            credit(chart.CUSTOMER_FUNDS, held),
            credit(chart.ROUNDING, amount - held),
        ],
        order_id=payment.order_id,
        reference=_reference(payment.order_id),
        memo=f"{payment.provider} {payment.receipt or payment.provider_reference or payment.id}"[:200],
    )


def refund_moved(record: Refund, payment: Payment) -> None:
    """A refund was recorded or changed state: money going back is posted once it is asked of
    the provider (or recorded by hand), and reversed if the provider says it failed."""
    if record.status == RefundStatus.FAILED.value:
        reverse(f"refund:{record.id}", f"refund:{record.id}:failed", "refund_failed", memo=f"Refund {record.id} failed")
        return
    amount, worth = _in_store_currency(record, payment)  # what leaves the provider; what it gives back
    if amount <= 0:
        return
    out_to = chart.cash(payment.provider)
    if record.destination == RefundDestination.WALLET.value:
        # Into the customer's wallet: no money leaves any provider, the shop owes it as credit.
        out_to, amount = chart.wallet(payment.user_id), worth
    held = -positions(payment.order_id, [chart.CUSTOMER_FUNDS]).get(chart.CUSTOMER_FUNDS.code, ZERO)
    owed = min(worth, max(held, ZERO))
    post(
        f"refund:{record.id}",
        "refund",
        [
            debit(chart.CUSTOMER_FUNDS, owed),
            debit(chart.GOODWILL, worth - owed),
            debit(chart.ROUNDING, amount - worth),
            credit(out_to, amount),
        ],
        order_id=payment.order_id,
        reference=_reference(payment.order_id),
        memo=record.reason[:200],
        actor_id=record.requested_by_id,
    )


def _in_store_currency(record: Refund, payment: Payment) -> tuple[Decimal, Decimal]:
    """A refund in the store currency: what leaves the provider's account, and what it gives
    back. Unconverted, both are its amount. Converted (PayPal), it leaves at the payment's rate
    to the cent, and gives back the amount owed it was asked for (`store_amount`; the rounding
    between them is the books'); the refund leaving nothing of the payment takes exactly what
    the payment brought in less what its earlier refunds took, and gives back that less their
    rounding: over a payment refunded whole, rounding comes to nothing and no cent is left."""
    live = db.session.execute(
        select(Refund.id, Refund.amount).where(
            Refund.payment_id == payment.id, Refund.status != RefundStatus.FAILED.value
        )
    ).tuples()
    others, taken = [], ZERO
    for refund_id, amount in live:
        taken += amount
        if refund_id != record.id:
            others.append(f"refund:{refund_id}")
    # What earlier refunds took, to the provider or (their worth) into the wallet.
    left = (
        received(payment)
        + posted_to(others, chart.cash(payment.provider))
        + posted_to(others, chart.wallet(payment.user_id))
    )
    if taken >= (payment.amount_paid or ZERO):
        return left, left + posted_to([*others, f"payment:{payment.id}"], chart.ROUNDING)
    if not payment.exchange_rate:
        return record.amount, record.store_amount if record.store_amount is not None else record.amount
    leaving = min((record.amount * payment.exchange_rate).quantize(CENT, rounding=ROUND_HALF_UP), left)
    return leaving, record.store_amount if record.store_amount is not None else leaving


def _reference(order_id: int) -> str | None:
    return db.session.scalar(select(Order.reference).where(Order.id == order_id))


def settle_owed_with_goodwill(order_id: int) -> None:
    """Once an order's payments have nothing left to refund, what the order still owes its
    customer was paid ahead, by a goodwill refund given before it was owed (an admin's refund on
    a delivered order, then a return): the two are netted, so nothing stays owed that was paid,
    and the goodwill left is what the shop really gave away. Once per state of the order."""
    left = ZERO
    for payment in db.session.scalars(
        select(Payment).where(
            Payment.order_id == order_id,
            Payment.status.in_(("succeeded", "partially_refunded")),
        )
    ):
        left += (payment.amount_paid or ZERO) - sum(
            (r.amount for r in payment.refunds if r.status != RefundStatus.FAILED.value), ZERO
        )
    if left > 0:
        return
    held = positions(order_id, [chart.CUSTOMER_FUNDS, chart.GOODWILL])
    owed = -held.get(chart.CUSTOMER_FUNDS.code, ZERO)
    given = held.get(chart.GOODWILL.code, ZERO)
    netted = min(owed, given)
    if netted <= 0:
        return
    post(
        f"order:{order_id}:goodwill-netted:{owed}:{given}",
        "refund",
        [debit(chart.CUSTOMER_FUNDS, netted), credit(chart.GOODWILL, netted)],
        order_id=order_id,
        reference=_reference(order_id),
        memo="Owed back, and refunded ahead as goodwill",
    )
