"""Refunds: never more than was captured, sent to the provider where it has a refund API,
recorded by hand where it has none (M-Pesa reversals are a separate Daraja product; cash)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from flask import current_app
from sqlalchemy import func, select

from app.auth.models import User
from app.errors import ValidationFailed
from app.extensions import db
from app.orders.status import OrderStatus
from app.payments import notices
from app.payments.errors import (
    NotRefundable,
    PaymentNotFound,
    ProviderRefused,
    ProvidersBusy,
    ProviderUnavailable,
    RefundExceedsPayment,
    calling,
)
from app.payments.gateways import provider_amount, provider_id
from app.payments.gateways.paypal import PaypalGateway
from app.payments.gateways.paystack import PaystackGateway
from app.payments.models import Payment, PaymentStatus, Provider, Refund, RefundDestination, RefundStatus
from app.payments.services.accounting import refund_moved, settle_owed_with_goodwill

if TYPE_CHECKING:
    from app.payments.models import PaymentEvent

CENT = Decimal("0.01")
AUTOMATIC_REFUNDS = {Provider.PAYSTACK.value, Provider.PAYPAL.value}  # the others: by hand, then recorded
_NAMES = {Provider.PAYSTACK.value: "Paystack", Provider.PAYPAL.value: "PayPal"}
# A PayPal refund's `status` -> ours.
PAYPAL_REFUND_STATES = {
    "COMPLETED": RefundStatus.SUCCEEDED,
    "PENDING": RefundStatus.PENDING,
    "FAILED": RefundStatus.FAILED,
    "CANCELLED": RefundStatus.FAILED,
}


def _refundable_left(payment: Payment) -> Decimal:
    refunded = db.session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.payment_id == payment.id, Refund.status != RefundStatus.FAILED.value
        )
    )
    return (payment.amount_paid or Decimal("0.00")) - Decimal(str(refunded or 0))


def _record_refunded(payment: Payment) -> None:
    left = _refundable_left(payment)
    payment.status = (PaymentStatus.REFUNDED if left <= 0 else PaymentStatus.PARTIALLY_REFUNDED).value
    if left <= 0:
        payment.needs_refund = False


def refund(
    actor: User | None,
    payment_id: int,
    amount: Decimal | None,
    reason: str,
    reference: str | None = None,
    *,
    tell_customer: bool = True,
    store_amount: Decimal | None = None,
    to_wallet: bool = False,
) -> Refund:
    """Give back `amount` (the whole remainder when None) of a succeeded payment.

    Paystack refunds go to Paystack (`POST /refund`) and PayPal ones to the capture's refund; M-Pesa
    and cash are refunded by hand (an M-Pesa reversal is a separate Daraja product) and recorded
    here with the `reference` the admin enters. `to_wallet`: into the customer's wallet instead,
    at once, whatever the provider (WALLET_REFUNDS must allow it). `amount` is in the payment's
    currency (USD for PayPal). The payment's row is locked, so two refunds racing never exceed
    what it captured.
    """
    payment = db.session.get(Payment, payment_id, with_for_update=True, populate_existing=True)
    if payment is None:
        raise PaymentNotFound("No such payment.")
    if payment.status not in (PaymentStatus.SUCCEEDED.value, PaymentStatus.PARTIALLY_REFUNDED.value):
        raise NotRefundable(f"This payment is {payment.status}: only a paid one can be refunded.")
    left = _refundable_left(payment)
    amount = left if amount is None else amount
    if amount <= 0 or amount > left:
        raise RefundExceedsPayment(
            f"At most {payment.currency} {left} of this payment can be refunded.", refundable=str(left)
        )
    if payment.provider == Provider.WALLET.value:
        to_wallet = True  # store credit goes back where it came from
    elif to_wallet and not current_app.config["WALLET_REFUNDS"]:
        raise ValidationFailed.field("to_wallet", "This shop does not refund into wallets.")
    manual = to_wallet or payment.provider not in AUTOMATIC_REFUNDS
    if manual and not to_wallet and not reference:
        raise ValidationFailed.field(
            "reference",
            "Required for M-Pesa and cash payments: refund them by hand, then send the refund's reference "
            "(e.g. the M-Pesa transaction code).",
        )
    record = Refund(
        payment_id=payment.id,
        amount=amount,
        store_amount=store_amount if payment.exchange_rate else None,
        reason=reason,
        requested_by_id=actor.id if actor else None,
        provider_reference=None if to_wallet else reference,
        destination=(RefundDestination.WALLET if to_wallet else RefundDestination.ORIGINAL).value,
        status=RefundStatus.SUCCEEDED.value if manual else RefundStatus.REQUESTED.value,
    )
    db.session.add(record)
    db.session.flush()
    if not manual:
        _send_refund(payment, record)
    _record_refunded(payment)
    refund_moved(record, payment)
    settle_owed_with_goodwill(payment.order_id)
    if tell_customer:  # a return's refund is told as the return's
        notices.refunded(payment, record)
    return record


def _send_refund(payment: Payment, record: Refund) -> None:
    whole = record.amount == payment.amount_paid
    name = _NAMES[payment.provider]
    with calling(name, "the refund", nothing="nothing was refunded"):
        if payment.provider == Provider.PAYPAL.value:
            sent = PaypalGateway.of_app().refund(
                payment.receipt or "", None if whole else record.amount, payment.currency, f"duka-refund-{record.id}"
            )
            status = PAYPAL_REFUND_STATES.get(sent.status, RefundStatus.PENDING)
        else:
            sent = PaystackGateway.of_app().refund(payment.provider_reference or "", None if whole else record.amount)
            status = RefundStatus.SUCCEEDED if sent.status == "processed" else RefundStatus.PENDING
    record.provider_reference = sent.reference or None
    record.status = status.value


def refunds_of(payment: Payment) -> list[Refund]:
    return list(db.session.scalars(select(Refund).where(Refund.payment_id == payment.id).order_by(Refund.id)))


def order_cancelled_after_payment(order_id: int, previous: str) -> list[int]:
    """A paid order was cancelled (orders' `order_cancelled` seam): the refund of what is left of
    each succeeded payment is requested. Paystack's is recorded now and sent to Paystack by a task
    after the commit (a provider being down must not stop a cancellation); M-Pesa and cash ones
    are flagged `needs_refund` for an admin to refund by hand and record. Returns the ids of the
    refunds to send."""
    requested: list[int] = []
    if previous not in (OrderStatus.PAID.value, OrderStatus.PROCESSING.value):
        return requested
    payments = db.session.scalars(
        select(Payment)
        .where(
            Payment.order_id == order_id,
            # Partly refunded already (a seller's cancelled part, an admin's refund): the rest is owed.
            Payment.status.in_((PaymentStatus.SUCCEEDED.value, PaymentStatus.PARTIALLY_REFUNDED.value)),
        )
        .with_for_update()
    ).all()
    for payment in payments:
        if payment.provider == Provider.WALLET.value:
            _to_wallet(payment, _refundable_left(payment), None, "Order cancelled")
            continue
        payment.needs_refund = True
        if payment.provider not in AUTOMATIC_REFUNDS:
            notices.needs_attention(payment, "its order was cancelled: refund it by hand and record it")
            continue
        left = _refundable_left(payment)
        if left <= 0:
            continue
        record = Refund(
            payment_id=payment.id, amount=left, reason="Order cancelled", status=RefundStatus.REQUESTED.value
        )
        db.session.add(record)
        db.session.flush()
        refund_moved(record, payment)
        requested.append(record.id)
    return requested


def refund_cancelled_lines(order_id: int, amount: Decimal, reason: str) -> tuple[bool, list[int]]:
    """Lines of a paid order were cancelled by their seller: `amount` (store currency) is owed
    back. On an automatic provider (Paystack, PayPal) the refund is recorded now, at the
    payment's own rate for a converted one, and sent by a task after the commit; on M-Pesa or
    cash the admins are told the amount to refund by hand and record. What the method's payment
    cannot take back (the order was partly paid from the wallet) goes back into the wallet at
    once. Returns whether anything was paid (so owed) and the ids of the refunds to send. Never
    more than is left."""
    owed, requested = False, []
    left = amount
    for payment in _paying(order_id):
        if left <= 0:
            break
        if payment.provider == Provider.WALLET.value:
            taken = min(left, _refundable_left(payment))
            if taken > 0:
                _to_wallet(payment, taken, None, reason)
                owed, left = True, left - taken
            continue
        charged = left
        if payment.exchange_rate:
            charged = (left / payment.exchange_rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        can = _refundable_left(payment)
        if can <= 0:
            continue
        owed = True
        worth = left  # all that is owed, when this payment can take it back
        if charged > can:  # it cannot: what it can, in the store currency
            charged = can
            worth = (
                (can * payment.exchange_rate).quantize(CENT, rounding=ROUND_HALF_UP) if payment.exchange_rate else can
            )
        if payment.provider not in AUTOMATIC_REFUNDS:
            # Not `needs_refund`: that flag means the whole payment is owed back, and it would stay
            # raised after this part is refunded. The admins' inbox holds the amount to refund.
            notices.needs_attention(
                payment,
                f"a seller cancelled part of its order: refund {payment.currency} {charged} by hand and record it",
            )
            left -= worth
            continue
        record = Refund(
            payment_id=payment.id,
            amount=charged,
            store_amount=worth if payment.exchange_rate else None,
            reason=reason[:200],
            status=RefundStatus.REQUESTED.value,
        )
        db.session.add(record)
        db.session.flush()
        refund_moved(record, payment)
        requested.append(record.id)
        left -= worth
    settle_owed_with_goodwill(order_id)
    return owed, requested


def _paying(order_id: int) -> list[Payment]:
    """The order's payments that took money and may give some back, the method's first and the
    wallet's last, locked."""
    return list(
        db.session.scalars(
            select(Payment)
            .where(
                Payment.order_id == order_id,
                Payment.status.in_((PaymentStatus.SUCCEEDED.value, PaymentStatus.PARTIALLY_REFUNDED.value)),
            )
            .order_by(Payment.provider == Provider.WALLET.value, Payment.settled_at, Payment.id)
            .with_for_update()
        )
    )


def _to_wallet(payment: Payment, amount: Decimal, actor: User | None, reason: str) -> Refund | None:
    """Give `amount` of a wallet payment back into the wallet, at once."""
    if amount <= 0:
        return None
    record = Refund(
        payment_id=payment.id,
        amount=amount,
        reason=reason[:300],
        requested_by_id=actor.id if actor else None,
        destination=RefundDestination.WALLET.value,
        status=RefundStatus.SUCCEEDED.value,
    )
    db.session.add(record)
    db.session.flush()
    _record_refunded(payment)
    refund_moved(record, payment)
    return record


def send_requested_refund(refund_id: int) -> str:
    """Send a requested (automatic) refund to its provider; returns its status."""
    record = db.session.get(Refund, refund_id, with_for_update=True)
    if record is None or record.status != RefundStatus.REQUESTED.value:
        return record.status if record else "missing"
    payment = db.session.get(Payment, record.payment_id, with_for_update=True)
    assert payment is not None
    try:
        _send_refund(payment, record)
    except (ProviderUnavailable, ProvidersBusy, ProviderRefused) as exc:
        record.failure_reason = exc.detail[:300]
        return record.status  # still requested: `flask payments send-refunds` or the task's retry sends it
    _record_refunded(payment)
    refund_moved(record, payment)
    return record.status


def record_paypal_refund(resource: dict[str, Any], event: PaymentEvent) -> str:
    """A PAYMENT.CAPTURE.REFUNDED event: the refund we asked for is done, or one made in
    PayPal's dashboard is recorded (money already went back: it is kept even beyond what we
    think is left, and then flagged for review)."""
    try:
        refund_id = provider_id(resource["id"], "id")
        amount = provider_amount(resource["amount"]["value"], "amount.value")
        status = str(resource.get("status") or "COMPLETED")[:40]
        up = next(link["href"] for link in resource.get("links") or [] if link.get("rel") == "up")
        capture_id = provider_id(str(up).rstrip("/").rsplit("/", 1)[-1], "the capture's id")
    except (KeyError, TypeError, AttributeError, StopIteration) as exc:
        raise ValueError("not a PayPal refund") from exc
    payment = db.session.scalar(
        select(Payment)
        .where(Payment.provider == Provider.PAYPAL.value, Payment.receipt == capture_id)
        .with_for_update()
    )
    if payment is None:
        return "unknown payment"
    event.payment_id = payment.id
    mine = db.session.scalar(
        select(Refund).where(Refund.payment_id == payment.id, Refund.provider_reference == refund_id)
    )
    state = PAYPAL_REFUND_STATES.get(status, RefundStatus.PENDING).value
    if mine is not None:
        mine.status = state
        _record_refunded(payment)
        refund_moved(mine, payment)
        return f"refund {mine.id} {state}"
    if amount > _refundable_left(payment):
        payment.needs_review = True
    record = Refund(
        payment_id=payment.id,
        amount=amount,
        status=state,
        provider_reference=refund_id,
        reason="Refunded in PayPal",
    )
    db.session.add(record)
    db.session.flush()
    _record_refunded(payment)
    refund_moved(record, payment)
    return f"refund {record.id} recorded ({state})"


def refund_order(
    actor: User, order_id: int, amount: Decimal, reason: str, reference: str | None = None, *, to_wallet: bool = False
) -> Refund:
    """Refund `amount` (store currency) of an order on the payment that paid it (returns call
    this); what it cannot take back (the order was partly paid from the wallet) goes back into the
    wallet. A converted payment (PayPal) is refunded at its own rate, half up to the cent; the
    refund service's cap (never more than captured) holds either way. Returns the first refund."""
    made: list[Refund] = []
    left = amount
    ordered = sorted(
        _paying(order_id),
        key=lambda p: (p.provider == Provider.WALLET.value, p.needs_refund, p.settled_at or p.created_at, p.id),
    )
    for payment in ordered:
        if left <= 0:
            break
        can = _refundable_left(payment)
        can_here = can * payment.exchange_rate if payment.exchange_rate else can  # in the store currency
        part = min(left, can_here)
        if part <= 0:
            continue
        charged = part
        if payment.exchange_rate:
            charged = (part / payment.exchange_rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        made.append(
            refund(
                actor,
                payment.id,
                None if part >= can_here else min(charged, can),
                reason,
                reference,
                tell_customer=False,
                store_amount=part,
                to_wallet=to_wallet,
            )
        )
        left -= part
    if not made:
        raise NotRefundable("This order has no payment to refund: record the payment (cash) first.")
    settle_owed_with_goodwill(order_id)
    return made[0]
