"""What every payout rule shares: the payee, its accounts, the machine's moves with their events,
money given back, the pause switch, a payout locked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from app.common.db import insert_unless_exists
from app.common.types import utcnow
from app.extensions import db
from app.ledger import chart
from app.ledger.chart import Account, SellerBucket, WalletBucket
from app.ledger.services import credit, debit, post
from app.payouts.errors import PayoutNotFound
from app.payouts.models import Payout, PayoutControl, PayoutEvent
from app.payouts.status import MOVES, PayeeKind, PayoutStatus


@dataclass(frozen=True)
class Payee:
    """Who a payout goes to, as the domain that owes them says: the user who receives it, the
    M-Pesa number (2547...), and until when a newly changed number is held."""

    kind: PayeeKind
    user_id: int
    phone: str
    seller_id: int | None = None
    not_before: datetime | None = None


def accounts_of(kind: str, seller_id: int | None, user_id: int) -> tuple[Account, Account]:
    """The balance a payee's payouts come from, and the account holding them while in flight."""
    if kind == PayeeKind.SELLER.value and seller_id is not None:
        return chart.seller(seller_id, SellerBucket.AVAILABLE), chart.seller(seller_id, SellerBucket.IN_PAYOUT)
    if kind == PayeeKind.WALLET.value:
        return chart.wallet(user_id), chart.wallet(user_id, WalletBucket.IN_PAYOUT)
    raise ValueError(f"no accounts for a {kind} payee")


def control() -> PayoutControl:
    """The one row of the pause switch (made at first use, once however many ask at once)."""
    row = db.session.get(PayoutControl, 1)
    if row is None:
        insert_unless_exists(PayoutControl, {"id": 1, "paused": False, "changed_at": utcnow()}, ["id"])
        row = db.session.get(PayoutControl, 1)
    assert row is not None
    return row


def pause(reason: str, changed_by: int | None = None) -> PayoutControl:
    """Stop every payout from being sent (and asked for) until an admin resumes them."""
    row = control()
    row.paused, row.reason, row.changed_by_id, row.changed_at = True, reason[:300], changed_by, utcnow()
    return row


def record(
    payout: Payout,
    previous: PayoutStatus | None,
    to: PayoutStatus,
    actor_kind: str,
    actor_id: int | None = None,
    note: str | None = None,
) -> None:
    """A move of the machine (checked against its table) and its event."""
    if previous is not None and (previous, to) not in MOVES:
        raise AssertionError(f"payout {payout.id}: {previous} -> {to} is not a move")
    payout.status = to.value
    db.session.add(
        PayoutEvent(
            payout_id=payout.id,
            from_status=previous.value if previous else None,
            to_status=to.value,
            actor_id=actor_id,
            actor_kind=actor_kind,
            note=note[:500] if note else None,
        )
    )


def give_back(payout: Payout, why: str) -> None:
    """The payout's money goes back to the balance it came from (failed, rejected)."""
    source, hold = accounts_of(payout.payee, payout.seller_id, payout.user_id)
    post(
        f"payout:{payout.id}:returned",
        "payout_returned",
        [debit(hold, payout.amount), credit(source, payout.amount)],
        seller_id=payout.seller_id,
        reference=f"PAYOUT-{payout.id}",
        memo=f"Payout {payout.id} not sent: {why}"[:200],
    )


def locked(payout_id: int) -> Payout:
    payout = db.session.get(Payout, payout_id, with_for_update=True, populate_existing=True)
    if payout is None:
        raise PayoutNotFound("No such payout.")
    return payout
