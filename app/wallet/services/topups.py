"""Topping a wallet up by M-Pesa Express (STK Push): the prompt, Safaricom's callback to the
wallet's own URL (secret in its path, as the payments' callback), and the STK query for a lost
callback. Credited once, when M-Pesa says the amount asked was paid."""

from __future__ import annotations

import hmac
from datetime import timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import select

from app.auth.models import User
from app.common.bodies import loads_checked
from app.common.db import unit_of_work
from app.common.fields import masked_phone
from app.common.limits import spend
from app.common.types import utcnow
from app.common.urls import public_url
from app.errors import ValidationFailed
from app.extensions import db
from app.ledger import chart
from app.ledger.services import credit, debit, post
from app.notifications.inbox import Kind, notify
from app.payments.errors import MethodUnavailable, NotACallback, ProvidersBusy, ProviderUnavailable, calling
from app.payments.gateways import Outcome, PaymentRequest, ProviderError, ProviderRejection
from app.payments.gateways.mpesa import MAX_AMOUNT, MpesaGateway, msisdn
from app.payments.models import Provider
from app.payments.services.settlement import act_on, record_event
from app.wallet.errors import TopUpNotFound
from app.wallet.models import TopUp

MIN_TOP_UP = Decimal(10)


def callback_url() -> str:
    return public_url("wallet.top_up_callback", secret=current_app.config["MPESA_CALLBACK_SECRET"])


def start_top_up(user: User, amount: Decimal, phone: str | None) -> TopUp:
    """Prompt the customer's phone to send `amount` whole shillings into its wallet."""
    gateway = MpesaGateway.of_app()
    if not gateway.configured:
        raise MethodUnavailable("M-Pesa is not configured on this shop.")
    if amount != amount.to_integral_value() or not MIN_TOP_UP <= amount <= MAX_AMOUNT:
        raise ValidationFailed.field("amount", f"Whole shillings, KES {MIN_TOP_UP} to {MAX_AMOUNT}.")
    try:
        number = msisdn(phone or user.phone or "")
    except ValueError:
        raise ValidationFailed.field("phone", "A Kenyan mobile number, e.g. 0712345678.") from None
    spend(
        current_app.config["STK_PUSHES_PER_PHONE"],
        "stk-push-phone",
        number,
        "This phone has been sent too many payment prompts; try again later.",
    )
    top_up = TopUp(user_id=user.id, phone=number, amount=amount, status="pending")
    db.session.add(top_up)
    db.session.flush()
    request = PaymentRequest(f"TOPUP{top_up.id}"[:12], amount, "KES", number, "Wallet top-up")
    with calling("M-Pesa", "the request"):
        started = gateway.initiate(request, callback_url())
    top_up.checkout_request_id = started.provider_reference
    return top_up


def handle_callback(secret: str, raw_body: bytes) -> str:
    """Record and act on Safaricom's callback for a top-up. A wrong secret is 404 (nothing
    recorded); a body that is no STK callback is 422 (recorded)."""
    if not hmac.compare_digest(secret.encode(), str(current_app.config["MPESA_CALLBACK_SECRET"]).encode()):
        raise TopUpNotFound("Not found.")
    text = raw_body.decode("utf-8", errors="replace")
    try:
        outcome = MpesaGateway.of_app().parse_callback(loads_checked(text))
    except ValueError as exc:
        record_event("top-up-callback", None, text, outcome=f"rejected: {exc}", provider=Provider.MPESA)
        raise NotACallback("This is not an M-Pesa STK callback.") from None
    dedupe = f"top-up:{outcome.provider_reference}:{outcome.state}:{outcome.receipt or ''}"
    event = record_event("top-up-callback", dedupe, text, provider=Provider.MPESA)
    if event is None:
        return "duplicate"
    return act_on(event, lambda: _settle_by_reference(outcome, event))


def _settle_by_reference(outcome: Outcome, event: object) -> str:
    top_up = db.session.scalar(
        select(TopUp).where(TopUp.checkout_request_id == outcome.provider_reference).with_for_update()
    )
    result = "unknown top-up" if top_up is None else settle(top_up, outcome)
    event.outcome = result  # type: ignore[attr-defined]
    return result


def settle(top_up: TopUp, outcome: Outcome) -> str:
    """Apply what M-Pesa says of a pending top-up, once: paid the amount asked, the wallet is
    credited (cash in at M-Pesa, owed to the customer); anything else is recorded."""
    if top_up.status != "pending" or outcome.state == "pending":
        return f"no change ({top_up.status})"
    top_up.settled_at = utcnow()
    if outcome.state != "succeeded":
        top_up.status = "cancelled" if outcome.state == "cancelled" else "failed"
        top_up.failure_code, top_up.failure_reason = outcome.code, outcome.reason
        return top_up.status
    paid = outcome.amount if outcome.amount is not None else top_up.amount
    if paid != top_up.amount:
        top_up.status, top_up.failure_code = "failed", "amount_mismatch"
        top_up.failure_reason = f"Paid KES {paid}, asked KES {top_up.amount}: an admin will sort it out."
        return "amount mismatch"
    top_up.status, top_up.receipt = "succeeded", outcome.receipt
    post(
        f"top-up:{top_up.id}",
        "top_up",
        [debit(chart.cash(Provider.MPESA.value), paid), credit(chart.wallet(top_up.user_id), paid)],
        reference=outcome.receipt or f"TOPUP{top_up.id}",
        memo=f"M-Pesa top-up from {masked_phone(top_up.phone)}",
        actor_id=top_up.user_id,
    )
    notify(top_up.user_id, Kind.WALLET, "Wallet topped up", f"KES {paid} is in your wallet (M-Pesa {outcome.receipt}).")
    return "succeeded"


def get_top_up(user: User, top_up_id: int) -> TopUp:
    top_up = db.session.scalar(select(TopUp).where(TopUp.id == top_up_id, TopUp.user_id == user.id))
    if top_up is None:
        raise TopUpNotFound("No such top-up.")
    return top_up


def refresh(user: User, top_up_id: int) -> TopUp:
    """Ask M-Pesa where a pending top-up stands (a lost callback) and settle it."""
    top_up = get_top_up(user, top_up_id)
    if top_up.status == "pending" and top_up.checkout_request_id:
        with calling("M-Pesa", "the query", nothing="nothing changed"):
            outcome = MpesaGateway.of_app().query(top_up.checkout_request_id)
        locked = db.session.get(TopUp, top_up.id, with_for_update=True, populate_existing=True)
        assert locked is not None
        settle(locked, outcome)
        return locked
    return top_up


def reconcile_pending(older_than: timedelta = timedelta(minutes=1)) -> int:
    """Ask M-Pesa about pending top-ups older than `older_than` (younger than a day), each in
    its own unit of work; returns how many were settled."""
    now = utcnow()
    ids = db.session.scalars(
        select(TopUp.id).where(
            TopUp.status == "pending", TopUp.created_at < now - older_than, TopUp.created_at > now - timedelta(days=1)
        )
    ).all()
    settled = 0
    for top_up_id in ids:
        try:
            with unit_of_work():
                top_up = db.session.get(TopUp, top_up_id, with_for_update=True)
                if top_up is None or not top_up.checkout_request_id:
                    continue
                outcome = MpesaGateway.of_app().query(top_up.checkout_request_id)
                if not settle(top_up, outcome).startswith("no change"):
                    settled += 1
        except (ProviderError, ProviderRejection, ProviderUnavailable, ProvidersBusy, ValueError):
            continue
    return settled
