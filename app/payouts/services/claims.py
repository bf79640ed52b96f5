"""Claiming payouts from a balance, and the admins' decisions: approve (four eyes), reject,
pause and resume everyone's, retry a failed one."""

from __future__ import annotations

import uuid
from decimal import ROUND_FLOOR, Decimal

from flask import current_app
from sqlalchemy import select

from app.auth.models import User
from app.common.db import after_commit
from app.common.fields import masked_phone
from app.common.types import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.ledger.services import credit, debit, locked_balance, post
from app.payments.gateways.b2c import MAX_AMOUNT, MIN_AMOUNT
from app.payouts import notices
from app.payouts.errors import (
    InsufficientBalance,
    NegativeBalance,
    PayoutNotDecidable,
    PayoutNotFound,
    PayoutNotRetryable,
    PayoutsPaused,
    SameApprover,
)
from app.payouts.models import Payout, PayoutControl
from app.payouts.services.book import Payee, accounts_of, control, give_back, locked, pause, record
from app.payouts.signals import payee_wanted
from app.payouts.status import Origin, PayeeKind, PayoutStatus


def minimum() -> Decimal:
    return max(Decimal(current_app.config["PAYOUT_MIN_AMOUNT"]), MIN_AMOUNT)


def split(amount: Decimal) -> list[Decimal]:
    """Whole shillings in as few B2C transactions as Daraja allows (KES 250,000 each), as even
    as can be (so no part falls under Daraja's KES 10)."""
    parts = int((amount + MAX_AMOUNT - 1) // MAX_AMOUNT)
    base, extra = divmod(int(amount), parts)
    return [Decimal(base + (1 if n < extra else 0)) for n in range(parts)]


def request_payouts(
    payee: Payee,
    amount: Decimal | None,
    *,
    origin: Origin,
    requested_by: int | None,
    retry_of: int | None = None,
) -> list[Payout]:
    """Claim `amount` (all the whole shillings available when None) from the payee's balance
    and make its payouts, in this transaction: the ledger moves it from available to in payout
    under the balance's row lock, so two requests at once never claim the same shillings. Above
    PAYOUT_APPROVAL_THRESHOLD they wait for an admin (not the one who asked); otherwise they are
    sent once this commits. 409 while payouts are paused, when the balance is below zero or
    holds less than asked; 422 for cents or less than PAYOUT_MIN_AMOUNT."""
    if control().paused:
        raise PayoutsPaused(f"Payouts are paused: {control().reason or 'try again later'}.")
    source, hold = accounts_of(payee.kind.value, payee.seller_id, payee.user_id)
    balance = locked_balance(source)
    if balance < 0:
        raise NegativeBalance(
            f"The balance is KES {balance}: later earnings cover it before anything is paid out.", balance=str(balance)
        )
    whole = balance.to_integral_value(rounding=ROUND_FLOOR)
    least = minimum()
    if amount is not None and amount != amount.to_integral_value():
        raise ValidationFailed.field("amount", "Whole shillings: M-Pesa pays out no cents.")
    if amount is not None and amount < least:
        raise ValidationFailed.field("amount", f"At least KES {least}.")
    wanted = whole if amount is None else amount
    if wanted < least or wanted > whole:
        raise InsufficientBalance(
            f"KES {whole} can be paid out now (at least KES {least} at a time).", available=str(whole)
        )
    threshold = Decimal(current_app.config["PAYOUT_APPROVAL_THRESHOLD"])
    status = PayoutStatus.PENDING_APPROVAL if wanted > threshold else PayoutStatus.QUEUED
    batch = uuid.uuid4().hex
    made = []
    for part in split(wanted):
        payout = Payout(
            originator_id=f"DUKA-{uuid.uuid4().hex}",
            payee=payee.kind.value,
            seller_id=payee.seller_id,
            user_id=payee.user_id,
            phone=payee.phone,
            amount=part,
            currency="KES",
            status=status.value,
            origin=origin.value,
            batch=batch,
            retry_of_id=retry_of,
            requested_by_id=requested_by,
            not_before=payee.not_before,
            details={},
        )
        db.session.add(payout)
        db.session.flush()
        post(
            f"payout:{payout.id}:claimed",
            "payout",
            [debit(source, part), credit(hold, part)],
            seller_id=payee.seller_id,
            reference=f"PAYOUT-{payout.id}",
            memo=f"Payout {payout.id} to {masked_phone(payee.phone)}",
            actor_id=requested_by,
        )
        record(payout, None, status, _actor_kind(origin, payee), requested_by, f"KES {part} ({origin.value})")
        made.append(payout)
        if status is PayoutStatus.QUEUED:
            _send_after_commit(payout.id)
        else:
            notices.to_approve(payout)
    return made


def _actor_kind(origin: Origin, payee: Payee) -> str:
    if origin is Origin.SCHEDULE:
        return "system"
    if origin is Origin.RETRY:
        return "admin"
    return "seller" if payee.kind is PayeeKind.SELLER else "customer"


def _send_after_commit(payout_id: int) -> None:
    from app.payouts.tasks import send_payout

    after_commit(send_payout.delay, payout_id)


def decide(admin: User, payout_id: int, approve: bool, reason: str | None = None) -> Payout:
    """Approve (queued to be sent once this commits) or reject (its money back to the balance) a
    payout waiting for approval. Four eyes: the admin who asked for it cannot approve it (403
    `same_approver`); a scheduled one any admin may. Decided already: 409."""
    payout = locked(payout_id)
    if payout.status != PayoutStatus.PENDING_APPROVAL.value:
        raise PayoutNotDecidable(f"This payout is {payout.status}.")
    if approve and payout.requested_by_id == admin.id:
        raise SameApprover("Another admin must approve a payout you asked for.")
    payout.decided_by_id, payout.decided_at = admin.id, utcnow()
    if approve:
        record(payout, PayoutStatus.PENDING_APPROVAL, PayoutStatus.QUEUED, "admin", admin.id, reason or "Approved")
        _send_after_commit(payout.id)
    else:
        payout.failure_reason = (reason or "Rejected by an admin")[:300]
        record(payout, PayoutStatus.PENDING_APPROVAL, PayoutStatus.REJECTED, "admin", admin.id, payout.failure_reason)
        give_back(payout, "rejected")
        notices.failed(payout)
    return payout


def set_paused(admin: User, paused: bool, reason: str | None) -> PayoutControl:
    """Pause every payout (nothing is sent; requests are 409), or resume them: the queued ones are
    sent once this commits. Pausing needs a reason."""
    if paused:
        if not reason:
            raise ValidationFailed.field("reason", "Say why payouts are paused.")
        return pause(reason, admin.id)
    row = control()
    row.paused, row.reason, row.changed_by_id, row.changed_at = False, None, admin.id, utcnow()
    for payout_id in db.session.scalars(select(Payout.id).where(Payout.status == PayoutStatus.QUEUED.value)):
        _send_after_commit(payout_id)
    return row


def retry(admin: User, payout_id: int) -> list[Payout]:
    """A failed payout, again: a new payout (of the same amount, to the payee's number as it is
    now) claimed from the balance, which its failure gave back. Never a re-send."""
    payout = db.session.get(Payout, payout_id)
    if payout is None:
        raise PayoutNotFound("No such payout.")
    if payout.status != PayoutStatus.FAILED.value:
        raise PayoutNotRetryable(f"This payout is {payout.status}: only a failed one can be retried.")
    answers = [answer for _, answer in payee_wanted.send(payout) if answer is not None]
    if not answers:
        raise PayoutNotRetryable("Its payee can no longer be paid.")
    return request_payouts(answers[0], payout.amount, origin=Origin.RETRY, requested_by=admin.id, retry_of=payout.id)
