"""Payment rules: starting attempts, settling them from callbacks and queries, and moving the
order (through the orders domain's service). Gateways only talk to providers."""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select

from app.auth.models import Role, User
from app.common.db import insert_unless_exists, unit_of_work
from app.common.types import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.notifications.services import frontend_link, queue_email
from app.orders.services.orders import mark_paid, order_to_pay
from app.orders.status import OrderStatus
from app.payments.errors import (
    InvalidSignature,
    MethodUnavailable,
    NotACallback,
    OrderNotPayable,
    PaymentInProgress,
    PaymentNotFound,
    ProviderRefused,
    ProviderUnavailable,
)
from app.payments.gateways import Outcome, PaymentRequest, ProviderError, ProviderRejection
from app.payments.gateways.mpesa import MAX_AMOUNT, MIN_AMOUNT, MpesaGateway, msisdn, whole_shillings
from app.payments.gateways.paystack import PaystackGateway
from app.payments.models import Payment, PaymentEvent, PaymentStatus, Provider

log = logging.getLogger("duka.payments")

# An STK prompt lives about a minute on the phone; while an attempt is younger than this, a new
# push for the order is refused (no double prompt).
MPESA_PENDING_WINDOW = timedelta(minutes=3)


def available_methods() -> list[dict[str, Any]]:
    """The payment methods this deployment offers (a provider without credentials is not)."""
    currency = current_app.config["STORE_CURRENCY"]
    methods = []
    if MpesaGateway.of_app().configured:
        methods.append({"method": "mpesa", "currency": "KES", "min_amount": MIN_AMOUNT, "max_amount": MAX_AMOUNT})
    if PaystackGateway.of_app().configured:
        methods.append({"method": "card", "currency": currency, "min_amount": None, "max_amount": None})
    methods.append({"method": "cash", "currency": currency, "min_amount": None, "max_amount": None})
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


def payments_of_order(user: User, order_id: int) -> list[Payment]:
    from app.orders.services.orders import get_order

    order = get_order(user, order_id)  # 404 for someone else's
    return list(db.session.scalars(select(Payment).where(Payment.order_id == order.id).order_by(Payment.id)))


# M-Pesa STK Push -------------------------------------------------------------------------------


def mpesa_callback_url() -> str:
    """Where Safaricom posts results: MPESA_CALLBACK_BASE_URL (public) + the route with its secret,
    or this request's own host when no public base is set (development)."""
    base = current_app.config.get("MPESA_CALLBACK_BASE_URL")
    secret = current_app.config["MPESA_CALLBACK_SECRET"]
    if base:
        return base.rstrip("/") + url_for("payments.mpesa_callback", secret=secret)
    return url_for("payments.mpesa_callback", secret=secret, _external=True)


def start_mpesa(user: User, order_id: int, phone: str | None) -> Payment:
    """Prompt the customer's phone to pay the order (M-Pesa Express). 409 while an earlier
    prompt for the order is pending and recent; a failed or cancelled one may be retried."""
    gateway = MpesaGateway.of_app()
    if not gateway.configured:
        raise MethodUnavailable("M-Pesa is not configured on this shop.")
    order = order_to_pay(user, order_id)  # locked: two pushes for one order queue here
    if order.status != OrderStatus.PENDING_PAYMENT.value:
        raise OrderNotPayable(f"This order is {order.status}: there is nothing to pay.")
    if order.payment_method != Provider.MPESA.value:
        raise OrderNotPayable(f"This order is to be paid by {order.payment_method}, not M-Pesa.")
    recent = db.session.scalar(
        select(Payment).where(
            Payment.order_id == order.id,
            Payment.status == PaymentStatus.PENDING.value,
            Payment.created_at > utcnow() - MPESA_PENDING_WINDOW,
        )
    )
    if recent is not None:
        raise PaymentInProgress(
            "A payment prompt for this order was just sent: answer it, or wait and try again.", payment_id=recent.id
        )
    try:
        number = msisdn(phone or order.shipping_address.get("phone") or user.phone or "")
    except ValueError:
        raise ValidationFailed.field("phone", "A Kenyan mobile number, e.g. 0712345678.") from None
    amount = whole_shillings(order.total)
    if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise OrderNotPayable(f"M-Pesa takes KES {MIN_AMOUNT} to {MAX_AMOUNT} a transaction.")
    payment = Payment(
        order_id=order.id,
        user_id=user.id,
        provider=Provider.MPESA.value,
        amount=amount,
        currency="KES",
        order_amount=order.total,
        phone=number,
    )
    request = PaymentRequest(order.reference, amount, "KES", number, f"Order {order.reference}")
    try:
        started = gateway.initiate(request, mpesa_callback_url())
    except ProviderRejection as refused:
        raise ProviderRefused(f"M-Pesa refused the request: {refused.message}", provider_code=refused.code) from None
    except ProviderError as exc:
        log.warning("M-Pesa STK push failed for order %s: %s", order.id, exc)
        raise ProviderUnavailable("M-Pesa did not answer; nothing was charged. Try again shortly.") from None
    payment.provider_reference = started.provider_reference
    payment.details = started.details
    db.session.add(payment)
    return payment


def handle_mpesa_callback(secret: str, raw_body: bytes) -> str:
    """Record and act on what Safaricom posted; returns the outcome in words. A wrong secret is
    PaymentNotFound (404, nothing recorded); a body that is no STK callback is a 422, recorded."""
    if not hmac.compare_digest(secret.encode(), str(current_app.config["MPESA_CALLBACK_SECRET"]).encode()):
        raise PaymentNotFound("Not found.")
    text = raw_body.decode("utf-8", errors="replace")
    try:
        outcome = MpesaGateway.of_app().parse_callback(json.loads(text))
    except ValueError as exc:
        _record_event("callback", None, text, outcome=f"rejected: {exc}")
        raise NotACallback("This is not an M-Pesa STK callback.") from None
    dedupe = f"{outcome.provider_reference}:{outcome.state}:{outcome.receipt or ''}"
    event = _record_event("callback", dedupe, text)
    if event is None:
        return "duplicate"  # the same callback again: already acted on
    return _settle_by_reference(outcome, event)


def _record_event(
    kind: str,
    dedupe: str | None,
    text: str,
    outcome: str | None = None,
    *,
    provider: Provider = Provider.MPESA,
    headers: dict[str, str] | None = None,
) -> PaymentEvent | None:
    """Write the event before acting on it; None when its dedupe key was seen before (also by a
    concurrent delivery of the same callback, which waits for the first and then finds it)."""
    values: dict[str, Any] = {
        "provider": provider.value,
        "kind": kind,
        "dedupe_key": dedupe,
        "raw_body": text,
        "headers": headers or {},
        "authenticated": True,
        "outcome": outcome,
        "received_at": utcnow(),
    }
    event_id = insert_unless_exists(PaymentEvent, values, ["provider", "dedupe_key"])
    return db.session.get(PaymentEvent, event_id) if event_id is not None else None


def _settle_by_reference(outcome: Outcome, event: PaymentEvent, provider: Provider = Provider.MPESA) -> str:
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
    """Apply what the provider says of a pending payment (once: a settled payment stays as it
    is). A success for the amount asked pays the order; another amount is flagged for review;
    a success for an order already paid or cancelled is flagged `needs_refund`."""
    if payment.status != PaymentStatus.PENDING.value or outcome.state == "pending":
        return f"no change ({payment.status})"
    now = utcnow()
    if outcome.state in ("failed", "cancelled"):
        payment.status = PaymentStatus.CANCELLED.value if outcome.state == "cancelled" else PaymentStatus.FAILED.value
        payment.failure_code, payment.failure_reason = outcome.code, outcome.reason
        payment.settled_at = now
        return payment.status
    paid = outcome.amount if outcome.amount is not None else payment.amount
    currency = outcome.details.get("currency") or payment.currency
    payment.amount_paid = paid
    payment.receipt = outcome.receipt or payment.receipt
    payment.settled_at = now
    if paid != payment.amount or currency != payment.currency:
        payment.status = PaymentStatus.FAILED.value
        payment.failure_code = "amount_mismatch"
        payment.failure_reason = f"Paid {currency} {paid}, asked {payment.currency} {payment.amount}."
        payment.needs_review = True
        return "amount mismatch: flagged for review"
    payment.status = PaymentStatus.SUCCEEDED.value
    note = f"{payment.provider} {payment.receipt or payment.provider_reference}"
    if not mark_paid(payment.order_id, note):
        payment.needs_refund = True  # the order was paid by another attempt, or cancelled
        return "succeeded for an order not awaiting payment: needs refund"
    user = db.session.get(User, payment.user_id)
    if user is not None:
        queue_email(
            user.email,
            "Payment received",
            f"Hello,\n\nWe received {payment.currency} {paid} for your order ({payment.provider} reference "
            f"{payment.receipt or payment.provider_reference}).\nWe are preparing it now.\n",
        )
    return "succeeded"


def refresh(user: User, payment_id: int) -> Payment:
    """Ask the provider where a pending payment stands and settle it (a lost callback)."""
    payment = get_payment(user, payment_id)
    if payment.status == PaymentStatus.PENDING.value and payment.provider == Provider.MPESA.value:
        _query_and_settle(payment)
    return payment


def _query_and_settle(payment: Payment) -> str:
    try:
        outcome = MpesaGateway.of_app().query(payment.provider_reference or "")
    except ProviderError as exc:
        log.warning("M-Pesa query for payment %s failed: %s", payment.id, exc)
        raise ProviderUnavailable("M-Pesa did not answer; try again shortly.") from None
    locked = db.session.get(Payment, payment.id, with_for_update=True, populate_existing=True)
    assert locked is not None
    text = json.dumps(outcome.details.get("query", {}))
    event = PaymentEvent(
        provider=Provider.MPESA.value, kind="query", raw_body=text, authenticated=True, payment_id=payment.id
    )
    db.session.add(event)
    event.outcome = settle(locked, outcome)
    return event.outcome


def reconcile_pending(older_than: timedelta = timedelta(minutes=1)) -> int:
    """Query every pending M-Pesa payment older than `older_than` (and younger than a day), each
    in its own unit of work; returns how many were settled."""
    now = utcnow()
    ids = db.session.scalars(
        select(Payment.id).where(
            Payment.provider == Provider.MPESA.value,
            Payment.status == PaymentStatus.PENDING.value,
            Payment.created_at < now - older_than,
            Payment.created_at > now - timedelta(days=1),
        )
    ).all()
    settled = 0
    for payment_id in ids:
        try:
            with unit_of_work():
                payment = db.session.get(Payment, payment_id)
                if payment is not None and not _query_and_settle(payment).startswith("no change"):
                    settled += 1
        except ProviderUnavailable:
            continue
    return settled


# Paystack (cards) ------------------------------------------------------------------------------


def start_paystack(user: User, order_id: int) -> dict[str, Any]:
    """Open a Paystack transaction for a card order; the customer pays at `authorization_url`."""
    gateway = PaystackGateway.of_app()
    if not gateway.configured:
        raise MethodUnavailable("Card payments (Paystack) are not configured on this shop.")
    order = order_to_pay(user, order_id)
    if order.status != OrderStatus.PENDING_PAYMENT.value:
        raise OrderNotPayable(f"This order is {order.status}: there is nothing to pay.")
    if order.payment_method != "card":
        raise OrderNotPayable(f"This order is to be paid by {order.payment_method}, not by card.")
    # One reference per attempt (Paystack refuses a reused one): the order's, and a random tail.
    reference = f"{order.reference}-{secrets.token_hex(3).upper()}"
    currency = current_app.config["STORE_CURRENCY"]
    callback = current_app.config.get("PAYSTACK_CALLBACK_URL") or frontend_link("orders", reference=order.reference)
    try:
        started = gateway.initialize(
            reference, order.total, currency, user.email, callback, {"order_reference": order.reference}
        )
    except ProviderRejection as refused:
        raise ProviderRefused(f"Paystack refused the request: {refused.message}", provider_code=refused.code) from None
    except ProviderError as exc:
        log.warning("Paystack initialize failed for order %s: %s", order.id, exc)
        raise ProviderUnavailable("Paystack did not answer; nothing was charged. Try again shortly.") from None
    payment = Payment(
        order_id=order.id,
        user_id=user.id,
        provider=Provider.PAYSTACK.value,
        amount=order.total,
        currency=currency,
        order_amount=order.total,
        provider_reference=reference,
        details=started.details,
    )
    db.session.add(payment)
    db.session.flush()
    return {"authorization_url": started.details["authorization_url"], "reference": reference, "payment": payment}


def verify_paystack(user: User, reference: str) -> Payment:
    """Ask Paystack about a transaction of ours and settle it (the customer is back from paying)."""
    stmt = select(Payment).where(Payment.provider == Provider.PAYSTACK.value, Payment.provider_reference == reference)
    if user.role != Role.ADMIN.value:
        stmt = stmt.where(Payment.user_id == user.id)
    payment = db.session.scalar(stmt.with_for_update())
    if payment is None:
        raise PaymentNotFound("No such payment.")
    if payment.status == PaymentStatus.PENDING.value:
        try:
            outcome = PaystackGateway.of_app().verify(reference)
        except (ProviderError, ProviderRejection, ValueError) as exc:
            log.warning("Paystack verify of %s failed: %s", reference, exc)
            raise ProviderUnavailable("Paystack did not answer; try again shortly.") from None
        event = PaymentEvent(
            provider=Provider.PAYSTACK.value,
            kind="query",
            raw_body=json.dumps({"reference": reference, "state": outcome.state}),
            authenticated=True,
            payment_id=payment.id,
        )
        db.session.add(event)
        event.outcome = settle(payment, outcome)
    return payment


def handle_paystack_webhook(raw_body: bytes, signature: str | None) -> str:
    """Authenticate (HMAC-SHA512 of the raw body), log, and act on a Paystack event once."""
    gateway = PaystackGateway.of_app()
    if not gateway.signature_ok(raw_body, signature):
        raise InvalidSignature("The x-paystack-signature does not match this body.")
    text = raw_body.decode("utf-8", errors="replace")
    try:
        body = json.loads(text)
        kind, data = str(body["event"]), body["data"]
        dedupe = f"{kind}:{data.get('id')}:{data.get('reference')}"
    except (ValueError, KeyError, TypeError, AttributeError):
        _record_event("webhook", None, text, "rejected: not a Paystack event", provider=Provider.PAYSTACK)
        raise NotACallback("This is not a Paystack event.") from None
    event = _record_event("webhook", dedupe, text, provider=Provider.PAYSTACK)
    if event is None:
        return "duplicate"
    if kind != "charge.success":
        event.outcome = f"ignored: {kind}"
        return event.outcome
    try:
        outcome = gateway.outcome_of(data)
    except ValueError:
        event.outcome = "rejected: not a transaction"
        return event.outcome
    return _settle_by_reference(outcome, event, Provider.PAYSTACK)


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
