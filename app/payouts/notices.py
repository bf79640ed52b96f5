"""What payees and admins are told of payouts (in the app, and payees by email)."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.common.fields import masked_phone
from app.extensions import db
from app.notifications.emails import send_templated
from app.notifications.inbox import Kind, notify, notify_admins
from app.payouts.models import Payout


def _tell(payout: Payout, title: str, message: str) -> None:
    notify(payout.user_id, Kind.PAYOUT, title, message, ("payout", payout.id))
    email = db.session.scalar(select(User.email).where(User.id == payout.user_id))
    if email:
        send_templated(email, title, "update", message=message)


def paid(payout: Payout) -> None:
    _tell(
        payout,
        "Payout sent",
        f"KES {payout.amount} was sent to your M-Pesa number {masked_phone(payout.phone)}"
        + (f" (M-Pesa {payout.receipt})." if payout.receipt else "."),
    )


def failed(payout: Payout) -> None:
    _tell(
        payout,
        "Payout not sent",
        f"KES {payout.amount} could not be sent to {masked_phone(payout.phone)}: {payout.failure_reason}. "
        "The money is back in your balance.",
    )


def to_approve(payout: Payout) -> None:
    notify_admins(
        Kind.PAYOUT_NEEDS_ATTENTION,
        "A payout to approve",
        f"Payout {payout.id}: KES {payout.amount} to {masked_phone(payout.phone)} waits for an admin's approval.",
        ("payout", payout.id),
    )


def attention(payout: Payout | None, why: str) -> None:
    notify_admins(
        Kind.PAYOUT_NEEDS_ATTENTION,
        "Payouts need attention",
        (f"Payout {payout.id}: " if payout else "") + why,
        ("payout", payout.id) if payout else None,
    )
