"""M-Pesa Express (STK Push): prompting the phone, and Safaricom's callback."""

from __future__ import annotations

import hmac

from flask import current_app

from app.auth.models import User
from app.common.bodies import loads_checked
from app.common.limits import spend
from app.common.urls import public_url
from app.errors import ValidationFailed
from app.extensions import db
from app.orders.services.fulfilment import amount_due
from app.orders.status import PaymentMethod
from app.payments.errors import (
    MethodUnavailable,
    NotACallback,
    OrderNotPayable,
    PaymentNotFound,
    calling,
)
from app.payments.gateways import PaymentRequest
from app.payments.gateways.mpesa import MAX_AMOUNT, MIN_AMOUNT, MpesaGateway, msisdn, whole_shillings
from app.payments.models import Payment, Provider
from app.payments.services.payments import payable_order
from app.payments.services.settlement import act_on, record_event, settle_by_reference


def mpesa_callback_url() -> str:
    """Where Safaricom posts results: PUBLIC_BASE_URL + the route with its secret."""
    return public_url("payments.mpesa_callback", secret=current_app.config["MPESA_CALLBACK_SECRET"])


def start_mpesa(user: User, order_id: int, phone: str | None) -> Payment:
    """Prompt the customer's phone to pay the order (M-Pesa Express). 409 while an earlier
    prompt for the order is pending and recent; a failed or cancelled one may be retried."""
    gateway = MpesaGateway.of_app()
    if not gateway.configured:
        raise MethodUnavailable("M-Pesa is not configured on this shop.")
    order = payable_order(user, order_id, PaymentMethod.MPESA)  # locked: two pushes for one order queue here
    try:
        number = msisdn(phone or order.shipping_address.get("phone") or user.phone or "")
    except ValueError:
        raise ValidationFailed.field("phone", "A Kenyan mobile number, e.g. 0712345678.") from None
    due = amount_due(order)  # the wallet's part (if any) is paid from the wallet
    amount = whole_shillings(due)
    if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise OrderNotPayable(f"M-Pesa takes KES {MIN_AMOUNT} to {MAX_AMOUNT} a transaction.")
    # Whoever asks: nobody rings a stranger's phone all day from many accounts.
    spend(
        current_app.config["STK_PUSHES_PER_PHONE"],
        "stk-push-phone",
        number,
        "This phone has been sent too many payment prompts; try again later.",
    )
    payment = Payment(
        order_id=order.id,
        user_id=user.id,
        provider=Provider.MPESA.value,
        amount=amount,
        currency="KES",
        order_amount=due,
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
        outcome = MpesaGateway.of_app().parse_callback(loads_checked(text))
    except ValueError as exc:
        record_event("callback", None, text, outcome=f"rejected: {exc}")
        raise NotACallback("This is not an M-Pesa STK callback.") from None
    dedupe = f"{outcome.provider_reference}:{outcome.state}:{outcome.receipt or ''}"
    event = record_event("callback", dedupe, text)
    if event is None:
        return "duplicate"  # the same callback again: already acted on
    return act_on(event, lambda: settle_by_reference(outcome, event))
