"""Paystack (cards): opening a transaction, verifying it, and its signed webhook."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app

from app.auth.models import User
from app.common.bodies import loads_checked
from app.extensions import db
from app.notifications.services import frontend_link
from app.orders.services.fulfilment import amount_due
from app.orders.status import PaymentMethod
from app.payments.errors import (
    InvalidSignature,
    MethodUnavailable,
    NotACallback,
    calling,
)
from app.payments.gateways.paystack import PaystackGateway
from app.payments.models import Payment, PaymentStatus, Provider
from app.payments.services.payments import payable_order, payment_by_reference
from app.payments.services.settlement import (
    act_on,
    may_ask,
    query_and_settle,
    record_event,
    settle_by_reference,
)


def start_paystack(user: User, order_id: int) -> dict[str, Any]:
    """Open a Paystack transaction for a card order; the customer pays at `authorization_url`."""
    gateway = PaystackGateway.of_app()
    if not gateway.configured:
        raise MethodUnavailable("Card payments (Paystack) are not configured on this shop.")
    order = payable_order(user, order_id, PaymentMethod.CARD)
    # One reference per attempt (Paystack refuses a reused one): the order's, and a random tail.
    reference = f"{order.reference}-{secrets.token_hex(3).upper()}"
    currency = current_app.config["STORE_CURRENCY"]
    # Paystack appends `trxref` and `reference` (the transaction's) to this URL: the order goes as `order`.
    callback = current_app.config.get("PAYSTACK_CALLBACK_URL") or frontend_link("orders", order=order.reference)
    due = amount_due(order)  # the wallet's part (if any) is paid from the wallet
    with calling("Paystack", "the request"):
        started = gateway.initialize(
            reference, due, currency, user.email, callback, {"order_reference": order.reference}
        )
    payment = Payment(
        order_id=order.id,
        user_id=user.id,
        provider=Provider.PAYSTACK.value,
        amount=due,
        currency=currency,
        order_amount=due,
        provider_reference=reference,
        details=started.details,
    )
    db.session.add(payment)
    db.session.flush()
    return {"authorization_url": started.details["authorization_url"], "reference": reference, "payment": payment}


def verify_paystack(user: User, reference: str) -> Payment:
    """Ask Paystack about a transaction of ours and settle it (the customer is back from paying)."""
    payment = payment_by_reference(user, Provider.PAYSTACK, reference)
    if payment.status == PaymentStatus.PENDING.value and may_ask(payment):
        query_and_settle(payment)
    return payment


def handle_paystack_webhook(raw_body: bytes, signature: str | None) -> str:
    """Authenticate (HMAC-SHA512 of the raw body), log, and act on a Paystack event once."""
    gateway = PaystackGateway.of_app()
    if not gateway.signature_ok(raw_body, signature):
        raise InvalidSignature("The x-paystack-signature does not match this body.")
    text = raw_body.decode("utf-8", errors="replace")
    try:
        body = loads_checked(text)
        kind, data = str(body["event"]), body["data"]
        dedupe = f"{kind}:{data.get('id')}:{data.get('reference')}"
    except (ValueError, KeyError, TypeError, AttributeError):
        record_event("webhook", None, text, "rejected: not a Paystack event", provider=Provider.PAYSTACK)
        raise NotACallback("This is not a Paystack event.") from None
    event = record_event(
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
    return act_on(event, lambda: settle_by_reference(outcome, event, Provider.PAYSTACK))
