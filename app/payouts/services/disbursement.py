"""Sending payouts by Daraja B2C and settling them: the result and timeout callbacks, and the
Transaction Status query for a result that never came. A payout is sent once, ever: after an
unclear answer it is `unknown` and only asked after."""

from __future__ import annotations

import hmac
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select

from app.common.bodies import loads_checked
from app.common.db import unit_of_work
from app.common.types import utcnow
from app.common.urls import public_url
from app.extensions import db
from app.ledger import chart
from app.ledger.services import credit, debit, post
from app.payments.errors import NotACallback
from app.payments.gateways import ProviderBusy, ProviderError, ProviderRejection, provider_id
from app.payments.gateways.b2c import B2CGateway, B2CResult, paid_amount
from app.payments.gateways.mpesa import NAIROBI
from app.payments.models import Provider
from app.payments.services.settlement import act_on, record_event
from app.payouts import notices
from app.payouts.errors import PayoutNotFound
from app.payouts.models import Payout
from app.payouts.services.book import accounts_of, control, give_back, locked, pause, record
from app.payouts.status import PayoutStatus

log = logging.getLogger("duka.payouts")
P = PayoutStatus
CHECKS_BEFORE_ALERT = 8  # status queries without an answer before the admins are told
COMPLETED, NOT_PAID = "Completed", ("Failed", "Cancelled", "Declined", "Expired", "Reversed")


def _urls(kind: str) -> tuple[str, str]:
    secret = current_app.config["MPESA_CALLBACK_SECRET"]
    return (
        public_url("payouts.b2c_result", kind=kind, secret=secret),
        public_url("payouts.b2c_timeout", kind=kind, secret=secret),
    )


def send(payout_id: int) -> str:
    """Send a queued payout to Daraja (in the caller's unit of work; the payout's row locked):
    `submitted` when Daraja acknowledges it, `failed` (money back) when Daraja refuses the
    request, `unknown` when the answer is unclear (a 5xx, a timeout: it may be paid; the status
    query will say). Held back while payouts are paused, before a new number's hold ends, or
    when this process's provider calls are all busy; returns what happened in words."""
    payout = locked(payout_id)
    if payout.status != P.QUEUED.value:
        return f"no change ({payout.status})"
    if control().paused:
        return "paused"
    if payout.not_before and utcnow() < payout.not_before:
        return "held: a new payout number"
    gateway = B2CGateway.of_app()
    if not gateway.configured:
        return "not configured"
    try:
        gateway.token()  # before anything is sent: a failure here sends nothing
        gateway.credential()
    except ProviderError as exc:
        log.warning("payout %s not sent: %s", payout.id, exc)
        return f"not sent: {exc}"
    result_url, timeout_url = _urls("payment")
    wait = timedelta(minutes=current_app.config["PAYOUT_RESULT_WAIT_MINUTES"])
    now = utcnow()
    try:
        ack = gateway.pay(
            payout.originator_id, payout.phone, payout.amount, f"Duka payout {payout.id}", result_url, timeout_url
        )
    except ProviderBusy:
        return "busy: sent later"
    except ProviderRejection as exc:
        payout.result_code, payout.failure_reason = exc.code[:20], f"M-Pesa refused the request: {exc.message}"[:300]
        record(payout, P.QUEUED, P.FAILED, "mpesa", note=payout.failure_reason)
        give_back(payout, payout.failure_reason)
        notices.failed(payout)
        notices.attention(payout, payout.failure_reason)
        return "refused"
    except ProviderError as exc:
        payout.submitted_at, payout.next_check_at = now, now + wait
        record(payout, P.QUEUED, P.UNKNOWN, "mpesa", note=f"Unclear answer: {exc}"[:500])
        return "unknown"
    payout.submitted_at, payout.next_check_at = now, now + wait
    payout.conversation_id = ack.conversation_id
    record(payout, P.QUEUED, P.SUBMITTED, "mpesa", note=ack.description or None)
    return "submitted"


def send_due() -> int:
    """Send every queued payout whose hold has passed (payouts approved, resumed, or held by a
    new number), each in its own unit of work; returns how many went."""
    ids = db.session.scalars(
        select(Payout.id)
        .where(
            Payout.status == P.QUEUED.value,
            or_(Payout.not_before.is_(None), Payout.not_before <= utcnow()),
        )
        .order_by(Payout.id)
    ).all()
    sent = 0
    for payout_id in ids:
        with unit_of_work():
            if send(payout_id) in ("submitted", "unknown", "refused"):
                sent += 1
    return sent


# Callbacks -----------------------------------------------------------------------------------------

CALLBACKS = {("payment", "result"), ("payment", "timeout"), ("status", "result"), ("status", "timeout")}


def handle_callback(kind: str, outcome: str, secret: str, raw_body: bytes) -> str:
    """Record what Safaricom posted to a payout's ResultURL or QueueTimeOutURL (`kind`: the
    payment's or its status query's) and act on it once. A wrong secret is 404 (nothing
    recorded); a body that is no result is 422 (recorded)."""
    if (kind, outcome) not in CALLBACKS or not hmac.compare_digest(
        secret.encode(), str(current_app.config["MPESA_CALLBACK_SECRET"]).encode()
    ):
        raise PayoutNotFound("Not found.")
    text = raw_body.decode("utf-8", errors="replace")
    what = f"b2c-{kind}-{outcome}"
    try:
        result = B2CGateway.parse_result(loads_checked(text))
    except ValueError as exc:
        record_event(what, None, text, outcome=f"rejected: {exc}", provider=Provider.MPESA)
        raise NotACallback("This is not an M-Pesa B2C result.") from None
    dedupe = f"{what}:{result.originator_id}:{result.code}:{result.transaction_id or ''}"
    event = record_event(what, dedupe, text, provider=Provider.MPESA)
    if event is None:
        return "duplicate"
    return act_on(event, lambda: _apply(kind, outcome, result, event))


def _apply(kind: str, outcome: str, result: B2CResult, event: Any) -> str:
    payout = db.session.scalar(select(Payout).where(Payout.originator_id == result.originator_id).with_for_update())
    if payout is None:
        event.outcome = "unknown payout"
        return event.outcome
    if outcome == "timeout":
        if payout.status == P.SUBMITTED.value:
            payout.next_check_at = utcnow()  # ask at once: a queue timeout does not mean unpaid
            record(payout, P.SUBMITTED, P.UNKNOWN, "mpesa", note="Safaricom's queue timed out")
        event.outcome = f"payout {payout.id}: {payout.status}"
        return event.outcome
    if not result.final:
        event.outcome = f"payout {payout.id}: waiting for further messages"
        return event.outcome
    if kind == "payment":
        event.outcome = _settle_result(payout, result)
    else:
        event.outcome = _settle_status(payout, result)
    return event.outcome


def _settle_result(payout: Payout, result: B2CResult) -> str:
    if result.succeeded:
        receipt = result.parameters.get("TransactionReceipt") or result.transaction_id
        name = result.parameters.get("ReceiverPartyPublicName")
        when = result.parameters.get("TransactionCompletedDateTime")
        return _paid(payout, receipt, name, when, paid_amount(result), result)
    if result.setup_failure:
        pause(f"M-Pesa: {result.reason} (code {result.code})")
        notices.attention(payout, f"payouts are paused: {result.reason} (M-Pesa code {result.code}).")
    return _failed(payout, result.code, result.reason)


def _settle_status(payout: Payout, result: B2CResult) -> str:
    if not result.succeeded:
        return f"payout {payout.id}: the status query failed ({result.code}); still {payout.status}"
    state = str(result.parameters.get("TransactionStatus") or "")
    if state == COMPLETED:
        receipt = result.parameters.get("ReceiptNo") or result.transaction_id
        name = result.parameters.get("CreditPartyName")
        when = result.parameters.get("FinalisedTime")
        return _paid(payout, receipt, name, when, paid_amount(result), result)
    if state in NOT_PAID:
        return _failed(payout, f"status_{state.lower()}", f"M-Pesa says the transaction was {state.lower()}")
    return f"payout {payout.id}: M-Pesa says {state or 'nothing'}; still {payout.status}"


def _paid(payout: Payout, receipt: Any, name: Any, when: Any, amount: Any, result: B2CResult) -> str:
    if payout.status == P.PAID.value:
        return f"payout {payout.id}: no change (paid)"
    payout.receipt = provider_id(receipt, "TransactionReceipt") if receipt else None
    payout.recipient_name = str(name)[:120] if name else None
    payout.completed_at = _completed(when)
    payout.result_code = "0"
    payout.details = {**(payout.details or {}), "float": result.parameters.get("B2CUtilityAccountAvailableFunds")}
    source, hold = accounts_of(payout.payee, payout.seller_id, payout.user_id)
    if payout.status in (P.FAILED.value, P.REJECTED.value):
        # Paid after all, though its money went back to the balance: take it out again (the
        # balance may go below zero) and have an admin look.
        payout.needs_review = True
        post(
            f"payout:{payout.id}:paid-late",
            "payout_paid",
            [debit(source, payout.amount), credit(chart.B2C_FLOAT, payout.amount)],
            seller_id=payout.seller_id,
            reference=f"PAYOUT-{payout.id}",
            memo=f"Payout {payout.id} paid after it was recorded {payout.status}",
        )
        notices.attention(
            payout, f"M-Pesa paid it after it was recorded {payout.status}: taken from the balance again."
        )
        return f"payout {payout.id}: paid after {payout.status}: flagged"
    if amount is not None and amount != payout.amount:
        payout.needs_review = True
        notices.attention(payout, f"M-Pesa reports KES {amount} paid, KES {payout.amount} asked.")
    record(payout, P(payout.status), P.PAID, "mpesa", note=f"M-Pesa {payout.receipt or ''}".strip())
    post(
        f"payout:{payout.id}:paid",
        "payout_paid",
        [debit(hold, payout.amount), credit(chart.B2C_FLOAT, payout.amount)],
        seller_id=payout.seller_id,
        reference=f"PAYOUT-{payout.id}",
        memo=f"Payout {payout.id} sent (M-Pesa {payout.receipt or '?'})",
    )
    notices.paid(payout)
    return f"payout {payout.id}: paid"


def _failed(payout: Payout, code: str, reason: str) -> str:
    if payout.status not in (P.SUBMITTED.value, P.UNKNOWN.value):
        return f"payout {payout.id}: no change ({payout.status})"
    payout.result_code, payout.failure_reason = code[:20], reason[:300]
    record(payout, P(payout.status), P.FAILED, "mpesa", note=f"{code}: {reason}")
    give_back(payout, reason)
    notices.failed(payout)
    return f"payout {payout.id}: failed ({code})"


def _completed(value: Any) -> datetime | None:
    """Daraja's `DD.MM.YYYY HH:MM:SS` (B2C) or `YYYYMMDDHHMMSS` (status query), Nairobi time."""
    for pattern in ("%d.%m.%Y %H:%M:%S", "%Y%m%d%H%M%S"):
        try:
            return datetime.strptime(str(value), pattern).replace(tzinfo=NAIROBI).astimezone(UTC)
        except ValueError:
            continue
    return None


# The status query ------------------------------------------------------------------------------------


def check_unsettled(now: datetime | None = None) -> int:
    """Ask Daraja about payouts with no result in PAYOUT_RESULT_WAIT_MINUTES (and unknown ones),
    each in its own unit of work, backing off between asks; never send one again. Returns how
    many were asked."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(Payout.id)
        .where(Payout.status.in_((P.SUBMITTED.value, P.UNKNOWN.value)), Payout.next_check_at <= now)
        .order_by(Payout.next_check_at)
    ).all()
    asked = 0
    for payout_id in ids:
        with unit_of_work():
            if ask_status(payout_id, now):
                asked += 1
    return asked


def ask_status(payout_id: int, now: datetime | None = None) -> bool:
    """One Transaction Status query for a payout (its result comes to our status ResultURL)."""
    now = now or utcnow()
    payout = locked(payout_id)
    if payout.status not in (P.SUBMITTED.value, P.UNKNOWN.value):
        return False
    if payout.status == P.SUBMITTED.value:
        record(payout, P.SUBMITTED, P.UNKNOWN, "system", note="No result in time: asking M-Pesa")
    wait = timedelta(minutes=current_app.config["PAYOUT_RESULT_WAIT_MINUTES"])
    payout.next_check_at = now + wait * (2 ** min(payout.checks, 6))
    result_url, timeout_url = _urls("status")
    db.session.flush()  # what is known is written before Daraja is asked
    try:
        B2CGateway.of_app().ask_status(payout.originator_id, result_url, timeout_url)
    except (ProviderError, ProviderRejection) as exc:
        log.warning("payout %s: the status query was not taken: %s", payout.id, exc)
    payout.checks += 1
    if payout.checks == CHECKS_BEFORE_ALERT:
        notices.attention(payout, f"still unknown after {payout.checks} status queries: check it on the M-Pesa portal.")
    return True
