"""Settling payments: the event log, applying a provider's outcome (once), and asking the providers
about pending attempts (refresh, reconciliation). The one place that moves an order to paid."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError

from app.auth.models import User
from app.common.db import insert_unless_exists, unit_of_work
from app.common.limits import may
from app.common.types import utcnow
from app.extensions import db
from app.orders.notices import email_about
from app.orders.services.orders import mark_paid
from app.payments import notices
from app.payments.errors import ProvidersBusy, ProviderUnavailable, unanswered
from app.payments.gateways import Outcome, ProviderError, ProviderRejection
from app.payments.gateways.mpesa import MpesaGateway
from app.payments.gateways.paypal import PaypalGateway
from app.payments.gateways.paystack import PaystackGateway
from app.payments.models import Payment, PaymentEvent, PaymentStatus, Provider
from app.payments.services.accounting import money_in
from app.payments.services.payments import get_payment

log = logging.getLogger("duka.payments")
DEDUPE_KEY_LENGTH = PaymentEvent.__table__.c.dedupe_key.type.length or 150


def record_event(
    kind: str,
    dedupe: str | None,
    text: str,
    outcome: str | None = None,
    *,
    provider: Provider = Provider.MPESA,
    headers: dict[str, str] | None = None,
) -> PaymentEvent | None:
    """Write the event before acting on it; None when its dedupe key was seen before (also by a
    concurrent delivery of the same callback, which waits for the first and then finds it).
    Whatever a provider sent can be stored: NUL (which PostgreSQL's text refuses) is escaped, and
    a dedupe key longer than its column, or holding what is not printable, is kept as its digest."""
    if dedupe is not None and (len(dedupe) > DEDUPE_KEY_LENGTH or not dedupe.isprintable()):
        dedupe = "sha256:" + hashlib.sha256(dedupe.encode("utf-8", "surrogatepass")).hexdigest()
    values: dict[str, Any] = {
        "provider": provider.value,
        "kind": kind,
        "dedupe_key": dedupe,
        "raw_body": text.replace("\x00", "\\u0000"),
        "headers": headers or {},
        "authenticated": True,
        "outcome": outcome,
        "received_at": utcnow(),
    }
    event_id = insert_unless_exists(PaymentEvent, values, ["provider", "dedupe_key"])
    return db.session.get(PaymentEvent, event_id) if event_id is not None else None


def act_on(event: PaymentEvent, action: Callable[[], str]) -> str:
    """Act on a recorded event in a savepoint: when the database refuses what acting would write
    (a receipt recorded on another payment, a value out of range), that part is undone and the
    event keeps its record, with the refusal as its outcome; nothing else changes. A provider's
    malformed body is then acknowledged, never a 500 that rolls its own log back."""
    try:
        with db.session.begin_nested():
            return action()
    except (IntegrityError, DataError) as exc:
        log.error("%s event %s refused by the database: %s", event.provider, event.id, type(exc).__name__)
        event.outcome = f"rejected: the database refused it ({type(exc).__name__})"
        return event.outcome


def settle_by_reference(outcome: Outcome, event: PaymentEvent, provider: Provider = Provider.MPESA) -> str:
    payment = db.session.scalar(
        select(Payment)
        .where(Payment.provider == provider.value, Payment.provider_reference == outcome.provider_reference)
        .with_for_update()
    )
    if payment is None:
        event.outcome = "unknown payment"
        log.warning("%s event for an unknown payment %s", provider.value, outcome.provider_reference)
        return event.outcome
    event.payment_id = payment.id
    event.outcome = settle(payment, outcome)
    return event.outcome


def settle(payment: Payment, outcome: Outcome) -> str:
    """Apply what the provider says of a payment, once. A success for the amount asked pays the
    order; another amount is flagged for review; a success for an order already paid or cancelled
    is flagged `needs_refund`. A settled payment stays as it is, except that a provider's success
    after a failure we recorded (a query that timed out, a card retried on the same transaction)
    is money taken: it is recorded as such."""
    late = payment.status in (PaymentStatus.FAILED.value, PaymentStatus.CANCELLED.value) and (
        outcome.state == "succeeded" and payment.failure_code != "amount_mismatch"
    )
    if outcome.state == "pending" or (payment.status != PaymentStatus.PENDING.value and not late):
        return f"no change ({payment.status})"
    now = utcnow()
    if outcome.state in ("failed", "cancelled"):
        payment.status = PaymentStatus.CANCELLED.value if outcome.state == "cancelled" else PaymentStatus.FAILED.value
        payment.failure_code, payment.failure_reason = outcome.code, outcome.reason
        payment.settled_at = now
        notices.payment_failed(payment)
        return payment.status
    paid = outcome.amount if outcome.amount is not None else payment.amount
    currency = outcome.details.get("currency") or payment.currency
    if outcome.receipt and outcome.receipt != payment.receipt and _receipt_taken(payment, outcome.receipt):
        payment.needs_review = True
        notices.needs_attention(payment, f"a success whose receipt {outcome.receipt} is another payment's")
        return "receipt of another payment: flagged for review"
    payment.amount_paid = paid
    payment.receipt = outcome.receipt or payment.receipt
    payment.settled_at = now
    if paid != payment.amount or currency != payment.currency:
        payment.status = PaymentStatus.FAILED.value
        payment.failure_code = "amount_mismatch"
        payment.failure_reason = f"Paid {currency} {paid}, asked {payment.currency} {payment.amount}."
        payment.needs_review = True
        notices.needs_attention(payment, payment.failure_reason)
        money_in(payment)  # money taken all the same: the order's customer holds it until refunded
        return "amount mismatch: flagged for review"
    payment.status = PaymentStatus.SUCCEEDED.value
    payment.failure_code = payment.failure_reason = None
    note = f"{payment.provider} {payment.receipt or payment.provider_reference}"
    paid_order = mark_paid(payment.order_id, note)
    money_in(payment)
    if not paid_order:
        payment.needs_refund = True  # the order was paid by another attempt, or cancelled
        notices.needs_attention(payment, "paid for an order no longer awaiting payment: refund it")
        return "succeeded for an order not awaiting payment: needs refund"
    _email_receipt(payment, paid)
    return "succeeded after a recorded failure" if late else "succeeded"


def _receipt_taken(payment: Payment, receipt: str) -> bool:
    """A provider's id of a money movement belongs to one payment: a second payment reporting it
    is a replayed or forged event, not money taken twice."""
    return (
        db.session.scalar(select(Payment.id).where(Payment.receipt == receipt, Payment.id != payment.id).limit(1))
        is not None
    )


def _email_receipt(payment: Payment, paid: Decimal) -> None:
    email_about(
        payment.order_id,
        "Payment received",
        "payment_received",
        paid=f"{payment.currency} {paid}",
        provider=payment.provider,
        receipt=payment.receipt or payment.provider_reference,
    )


QUERYABLE = (Provider.MPESA.value, Provider.PAYSTACK.value, Provider.PAYPAL.value)


def refresh(user: User, payment_id: int) -> Payment:
    """Ask the provider where a pending payment stands and settle it (a lost callback); asked
    again within PAYMENT_QUERY_SECONDS, the payment is returned as it stands."""
    payment = get_payment(user, payment_id)
    if payment.status == PaymentStatus.PENDING.value and payment.provider in QUERYABLE and may_ask(payment):
        query_and_settle(payment)
    return payment


def may_ask(payment: Payment) -> bool:
    """Whether the provider may be asked about `payment` now: once per PAYMENT_QUERY_SECONDS,
    whoever asks (ten clients polling one payment make one provider call)."""
    seconds = current_app.config["PAYMENT_QUERY_SECONDS"]
    return may(f"1/{seconds} second", "payment-query", str(payment.id))


def _ask_provider(payment: Payment) -> Outcome:
    """The provider's word on an attempt: M-Pesa's STK Push Query, Paystack's verify, PayPal's
    order (captured here when the buyer approved it and the capture call never came)."""
    reference = payment.provider_reference or ""
    if payment.provider == Provider.MPESA.value:
        return MpesaGateway.of_app().query(reference)
    if payment.provider == Provider.PAYSTACK.value:
        return PaystackGateway.of_app().verify(reference)
    gateway = PaypalGateway.of_app()
    outcome = gateway.get_order(reference)
    if outcome.state == "pending" and outcome.details.get("paypal_status") == "APPROVED":
        outcome = gateway.capture(reference)
    return outcome


def query_and_settle(payment: Payment) -> str:
    try:
        outcome = _ask_provider(payment)
    except (ProviderError, ProviderRejection, ValueError) as exc:
        log.warning("%s query for payment %s failed: %s", payment.provider, payment.id, exc)
        raise unanswered(exc, f"{_NAMES[payment.provider]} did not answer; try again shortly.") from None
    locked = db.session.get(Payment, payment.id, with_for_update=True, populate_existing=True)
    assert locked is not None
    answer = outcome.details.get("query") or {
        "reference": outcome.provider_reference,
        "state": outcome.state,
        "receipt": outcome.receipt,
        "amount": str(outcome.amount) if outcome.amount is not None else None,
        "provider_status": outcome.details.get("paypal_status") or outcome.details.get("capture_status"),
    }
    event = PaymentEvent(
        provider=payment.provider, kind="query", raw_body=json.dumps(answer), authenticated=True, payment_id=payment.id
    )
    db.session.add(event)
    event.outcome = settle(locked, outcome)
    return event.outcome


_NAMES = {"mpesa": "M-Pesa", "paystack": "Paystack", "paypal": "PayPal", "cash": "Cash"}


def reconcile_pending(older_than: timedelta = timedelta(minutes=1)) -> int:
    """Ask the providers about every pending payment older than `older_than` (and younger than
    a day), each in its own unit of work; returns how many were settled."""
    now = utcnow()
    ids = db.session.scalars(
        select(Payment.id)
        .where(
            Payment.provider.in_(QUERYABLE),
            Payment.status == PaymentStatus.PENDING.value,
            Payment.created_at < now - older_than,
            Payment.created_at > now - timedelta(days=1),
        )
        .order_by(Payment.id)
    ).all()
    settled = 0
    for payment_id in ids:
        try:
            with unit_of_work():
                payment = db.session.get(Payment, payment_id)
                if payment is not None and not query_and_settle(payment).startswith("no change"):
                    settled += 1
        except (ProviderUnavailable, ProvidersBusy):
            continue
    return settled
