"""PayPal: creating the PayPal order, capturing it, and its verified webhook."""

from __future__ import annotations

import json
import logging
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
    InvalidWebhook,
    MethodUnavailable,
    ProviderRefused,
    calling,
    unanswered,
)
from app.payments.gateways import HeaderLookup, ProviderError, ProviderRejection, provider_id
from app.payments.gateways.paypal import PaypalGateway, convert
from app.payments.models import Payment, PaymentEvent, PaymentStatus, Provider
from app.payments.services import refunds
from app.payments.services.payments import payable_order, payment_by_reference
from app.payments.services.settlement import act_on, record_event, settle, settle_by_reference

log = logging.getLogger("duka.payments")


PAYPAL_EVENTS = ("PAYMENT.CAPTURE.COMPLETED", "PAYMENT.CAPTURE.DENIED", "PAYMENT.CAPTURE.PENDING")
PAYPAL_REFUNDED = "PAYMENT.CAPTURE.REFUNDED"


def start_paypal(user: User, order_id: int) -> dict[str, Any]:
    """Create a PayPal order for a PayPal order of ours; the buyer approves it at `approve_url`.

    The store currency is converted at PAYPAL_FX_RATE into PAYPAL_CURRENCY, rounded up to the
    cent (the shop never receives less than the total); the rate is kept on the payment."""
    gateway = PaypalGateway.of_app()
    if not gateway.configured:
        raise MethodUnavailable("PayPal is not configured on this shop.")
    order = payable_order(user, order_id, PaymentMethod.PAYPAL)
    assert gateway.rate is not None  # configured
    due = amount_due(order)  # the wallet's part (if any) is paid from the wallet
    amount = convert(due, gateway.rate, gateway.currency)
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
        order_amount=due,
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
    payment = payment_by_reference(user, Provider.PAYPAL, paypal_order_id)
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
        raise unanswered(exc, "PayPal did not answer; try again shortly (nothing is charged twice).") from None
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
        body = loads_checked(text)
        event_id, kind, resource = provider_id(body["id"], "id"), str(body["event_type"])[:100], body["resource"]
        if not isinstance(resource, dict):
            raise TypeError("resource")
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):  # ValueError: malformed, too deep, NaN
        raise InvalidWebhook("This is not a PayPal event.") from None
    try:
        authentic = gateway.verify_webhook(signed, raw_body)
    except ProviderRejection:
        authentic = False
    except ProviderError as exc:
        log.warning("PayPal webhook verification failed: %s", exc)
        raise unanswered(exc, "PayPal did not answer the verification; deliver again later.") from None
    if not authentic:
        raise InvalidSignature("PayPal did not verify this delivery's signature.")
    kept = {name: signed[name] for name in ("transmission_id", "transmission_time", "auth_algo", "cert_url")}
    event = record_event("webhook", event_id, text, provider=Provider.PAYPAL, headers=kept)
    if event is None:
        return "duplicate"

    def act() -> str:
        try:
            if kind in PAYPAL_EVENTS:
                return settle_by_reference(gateway.outcome_of_capture(resource), event, Provider.PAYPAL)
            if kind == PAYPAL_REFUNDED:
                event.outcome = refunds.record_paypal_refund(resource, event)
                return event.outcome
        except ValueError as exc:
            event.outcome = f"rejected: {exc}"
            return event.outcome
        event.outcome = f"ignored: {kind}"
        return event.outcome

    return act_on(event, act)
