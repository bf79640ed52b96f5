"""Payment rules: starting attempts, settling them from callbacks and queries, and moving the
order (through the orders domain's service). Gateways only talk to providers."""

from __future__ import annotations

import hmac
import json
import logging
import secrets
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import current_app, url_for
from sqlalchemy import select

from app.auth.models import Role, User
from app.common.db import insert_unless_exists, unit_of_work
from app.common.types import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.notifications.services import frontend_link, queue_email
from app.orders.models import Order
from app.orders.services.orders import mark_paid, mark_paid_in_cash, order_to_pay
from app.orders.status import OrderStatus, PaymentMethod
from app.payments import refunds
from app.payments.errors import (
    InvalidSignature,
    InvalidWebhook,
    MethodUnavailable,
    NotACallback,
    OrderAlreadyPaid,
    OrderNotPayable,
    PaymentInProgress,
    PaymentNotFound,
    ProviderRefused,
    ProviderUnavailable,
    calling,
)
from app.payments.gateways import HeaderLookup, Outcome, PaymentRequest, ProviderError, ProviderRejection
from app.payments.gateways.mpesa import MAX_AMOUNT, MIN_AMOUNT, MpesaGateway, msisdn, whole_shillings
from app.payments.gateways.paypal import PaypalGateway, convert
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


def _payable_order(user: User, order_id: int, method: PaymentMethod) -> Order:
    """The user's order, locked, if it awaits payment by `method` (409 otherwise)."""
    order = order_to_pay(user, order_id)
    if order.status != OrderStatus.PENDING_PAYMENT.value:
        raise OrderNotPayable(f"This order is {order.status}: there is nothing to pay.")
    if order.payment_method != method.value:
        raise OrderNotPayable(f"This order is to be paid by {order.payment_method}, not {method.value}.")
    return order


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
    order = _payable_order(user, order_id, PaymentMethod.MPESA)  # locked: two pushes for one order queue here
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
    with calling("M-Pesa", "the request"):
        started = gateway.initiate(request, mpesa_callback_url())
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
    payment.failure_code = payment.failure_reason = None
    note = f"{payment.provider} {payment.receipt or payment.provider_reference}"
    if not mark_paid(payment.order_id, note):
        payment.needs_refund = True  # the order was paid by another attempt, or cancelled
        return "succeeded for an order not awaiting payment: needs refund"
    _email_receipt(payment, paid)
    return "succeeded after a recorded failure" if late else "succeeded"


def _email_receipt(payment: Payment, paid: Decimal) -> None:
    user = db.session.get(User, payment.user_id)
    if user is not None:
        queue_email(
            user.email,
            "Payment received",
            f"Hello,\n\nWe received {payment.currency} {paid} for your order ({payment.provider} reference "
            f"{payment.receipt or payment.provider_reference}).\nWe are preparing it now.\n",
        )


QUERYABLE = (Provider.MPESA.value, Provider.PAYSTACK.value, Provider.PAYPAL.value)


def refresh(user: User, payment_id: int) -> Payment:
    """Ask the provider where a pending payment stands and settle it (a lost callback)."""
    payment = get_payment(user, payment_id)
    if payment.status == PaymentStatus.PENDING.value and payment.provider in QUERYABLE:
        _query_and_settle(payment)
    return payment


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


def _query_and_settle(payment: Payment) -> str:
    try:
        outcome = _ask_provider(payment)
    except (ProviderError, ProviderRejection, ValueError) as exc:
        log.warning("%s query for payment %s failed: %s", payment.provider, payment.id, exc)
        raise ProviderUnavailable(f"{_NAMES[payment.provider]} did not answer; try again shortly.") from None
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
    order = _payable_order(user, order_id, PaymentMethod.CARD)
    # One reference per attempt (Paystack refuses a reused one): the order's, and a random tail.
    reference = f"{order.reference}-{secrets.token_hex(3).upper()}"
    currency = current_app.config["STORE_CURRENCY"]
    callback = current_app.config.get("PAYSTACK_CALLBACK_URL") or frontend_link("orders", reference=order.reference)
    with calling("Paystack", "the request"):
        started = gateway.initialize(
            reference, order.total, currency, user.email, callback, {"order_reference": order.reference}
        )
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


def _payment_by_reference(user: User, provider: Provider, reference: str) -> Payment:
    """The user's (any, for an admin) attempt with this provider reference, locked; else 404."""
    stmt = select(Payment).where(Payment.provider == provider.value, Payment.provider_reference == reference)
    if user.role != Role.ADMIN.value:
        stmt = stmt.where(Payment.user_id == user.id)
    payment = db.session.scalar(stmt.with_for_update())
    if payment is None:
        raise PaymentNotFound("No such payment.")
    return payment


def verify_paystack(user: User, reference: str) -> Payment:
    """Ask Paystack about a transaction of ours and settle it (the customer is back from paying)."""
    payment = _payment_by_reference(user, Provider.PAYSTACK, reference)
    if payment.status == PaymentStatus.PENDING.value:
        _query_and_settle(payment)
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
    event = _record_event(
        "webhook", dedupe, text, provider=Provider.PAYSTACK, headers={"x-paystack-signature": signature or ""}
    )
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


# PayPal ----------------------------------------------------------------------------------------

PAYPAL_EVENTS = ("PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.PENDING")
PAYPAL_REFUNDED = "PAYMENT.CAPTURE.REFUNDED"


def start_paypal(user: User, order_id: int) -> dict[str, Any]:
    """Create a PayPal order for a PayPal order of ours; the buyer approves it at `approve_url`.

    The store currency is converted at PAYPAL_FX_RATE into PAYPAL_CURRENCY, rounded up to the
    cent (the shop never receives less than the total); the rate is kept on the payment."""
    gateway = PaypalGateway.of_app()
    if not gateway.configured:
        raise MethodUnavailable("PayPal is not configured on this shop.")
    order = _payable_order(user, order_id, PaymentMethod.PAYPAL)
    assert gateway.rate is not None  # configured
    amount = convert(order.total, gateway.rate, gateway.currency)
    invoice_id = f"{order.reference}-{secrets.token_hex(3).upper()}"  # one per attempt, as PayPal wants
    back = current_app.config.get("PAYPAL_RETURN_URL")
    return_url = back or frontend_link("orders", reference=order.reference, paypal="approved")
    cancel_url = back or frontend_link("orders", reference=order.reference, paypal="cancelled")
    with calling("PayPal", "the request"):
        started = gateway.create_order(
            amount=amount,
            order_reference=order.reference,
            invoice_id=invoice_id,
            request_id=invoice_id,
            return_url=return_url,
            cancel_url=cancel_url,
            description=f"Order {order.reference}",
        )
    payment = Payment(
        order_id=order.id,
        user_id=user.id,
        provider=Provider.PAYPAL.value,
        amount=amount,
        currency=gateway.currency,
        order_amount=order.total,
        exchange_rate=gateway.rate if gateway.currency != gateway.store_currency else None,
        provider_reference=started.provider_reference,
        details={**started.details, "invoice_id": invoice_id},
    )
    db.session.add(payment)
    db.session.flush()
    return {
        "paypal_order_id": started.provider_reference,
        "approve_url": started.details["approve_url"],
        "payment": payment,
    }


# PayPal's answers to a capture that the buyer can fix at the approve URL (another card, say).
PAYPAL_BUYER_FIXABLE = {"INSTRUMENT_DECLINED", "PAYER_ACTION_REQUIRED", "ORDER_NOT_APPROVED"}


def capture_paypal(user: User, paypal_order_id: str) -> Payment:
    """Capture an approved PayPal order and settle its payment (the buyer is back from PayPal).

    A repeated call is harmless: a settled payment is returned as it is, and PayPal answers a
    second capture of one order with its first (the request id is the order's)."""
    payment = _payment_by_reference(user, Provider.PAYPAL, paypal_order_id)
    if payment.status != PaymentStatus.PENDING.value:
        return payment
    gateway = PaypalGateway.of_app()
    try:
        try:
            outcome = gateway.capture(paypal_order_id)
        except ProviderRejection as refused:
            if refused.code != "ORDER_ALREADY_CAPTURED":
                raise
            outcome = gateway.get_order(paypal_order_id)
    except ProviderRejection as refused:
        fix = " The buyer can approve it again at the approve URL." if refused.code in PAYPAL_BUYER_FIXABLE else ""
        raise ProviderRefused(
            f"PayPal refused the capture: {refused.message}.{fix}", provider_code=refused.code
        ) from None
    except (ProviderError, ValueError) as exc:
        log.warning("PayPal capture of %s failed: %s", paypal_order_id, exc)
        raise ProviderUnavailable("PayPal did not answer; try again shortly (nothing is charged twice).") from None
    event = PaymentEvent(
        provider=Provider.PAYPAL.value,
        kind="capture",
        raw_body=json.dumps({"paypal_order_id": paypal_order_id, "capture": outcome.receipt, "state": outcome.state}),
        authenticated=True,
        payment_id=payment.id,
    )
    db.session.add(event)
    event.outcome = settle(payment, outcome)
    return payment


def handle_paypal_webhook(raw_body: bytes, headers: HeaderLookup) -> str:
    """Verify a PayPal event with PayPal (verify-webhook-signature), log it, act on it once."""
    gateway = PaypalGateway.of_app()
    signed = gateway.signature_headers(headers)
    if signed is None:
        raise InvalidWebhook("A PayPal webhook carries the PAYPAL-TRANSMISSION-* and PAYPAL-AUTH-ALGO headers.")
    try:
        text = raw_body.decode("utf-8")
        body = json.loads(text)
        event_id, kind, resource = str(body["id"]), str(body["event_type"]), body["resource"]
        if not isinstance(resource, dict):
            raise TypeError("resource")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise InvalidWebhook("This is not a PayPal event.") from None
    try:
        authentic = gateway.verify_webhook(signed, raw_body)
    except ProviderRejection:
        authentic = False
    except ProviderError as exc:
        log.warning("PayPal webhook verification failed: %s", exc)
        raise ProviderUnavailable("PayPal did not answer the verification; deliver again later.") from None
    if not authentic:
        raise InvalidSignature("PayPal did not verify this delivery's signature.")
    kept = {name: signed[name] for name in ("transmission_id", "transmission_time", "auth_algo", "cert_url")}
    event = _record_event("webhook", event_id, text, provider=Provider.PAYPAL, headers=kept)
    if event is None:
        return "duplicate"
    try:
        if kind in PAYPAL_EVENTS:
            return _settle_by_reference(gateway.outcome_of_capture(resource), event, Provider.PAYPAL)
        if kind == PAYPAL_REFUNDED:
            event.outcome = refunds.record_paypal_refund(resource, event)
            return event.outcome
    except ValueError as exc:
        event.outcome = f"rejected: {exc}"
        return event.outcome
    event.outcome = f"ignored: {kind}"
    return event.outcome


# Cash on delivery ------------------------------------------------------------------------------


def confirm_cash(admin: User, order_id: int, amount: Decimal) -> Payment:
    """Record the cash received for a cash-on-delivery order (admin) and move the order along:
    waiting for payment -> paid, out for delivery -> delivered; otherwise it keeps its state.
    The amount must be the order's total; an order paid already is 409."""
    order = order_to_pay(admin, order_id)  # locked: two confirmations queue here
    if order.payment_method != PaymentMethod.CASH.value:
        raise OrderNotPayable(f"This order is to be paid by {order.payment_method}, not in cash.")
    if order.status in (OrderStatus.CANCELLED.value, OrderStatus.RETURNED.value):
        raise OrderNotPayable(f"This order is {order.status}: there is nothing to pay.")
    if order.paid_at is not None:
        raise OrderAlreadyPaid("The cash for this order was confirmed already.")
    if amount != order.total:
        raise ValidationFailed.field("amount", f"The order's total is {order.currency} {order.total}.")
    now = utcnow()
    payment = Payment(
        order_id=order.id,
        user_id=order.user_id,
        provider=Provider.CASH.value,
        status=PaymentStatus.SUCCEEDED.value,
        amount=amount,
        currency=order.currency,
        order_amount=order.total,
        amount_paid=amount,
        details={"confirmed_by": admin.id},
        settled_at=now,
    )
    db.session.add(payment)
    mark_paid_in_cash(order, admin, f"Cash {order.currency} {amount} received (confirmed by admin {admin.id}).")
    db.session.flush()
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
