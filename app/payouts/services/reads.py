"""Reading payouts: the admins' list with filters, one payout, a payee's own."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.common.pagination import paginate
from app.extensions import db
from app.payouts.errors import PayoutNotFound
from app.payouts.models import Payout


def list_payouts(query: dict[str, Any], *, seller_id: int | None = None, user_id: int | None = None) -> dict[str, Any]:
    """Payouts newest first, filtered by `status` (repeatable), `payee`, `seller_id`,
    `needs_review`; only one seller's or one user's when given."""
    stmt = select(Payout).options(selectinload(Payout.events)).order_by(Payout.id.desc())
    if seller_id is not None:
        stmt = stmt.where(Payout.seller_id == seller_id)
    if user_id is not None:
        stmt = stmt.where(Payout.user_id == user_id)
    if query.get("status"):
        stmt = stmt.where(Payout.status.in_(query["status"]))
    if query.get("payee"):
        stmt = stmt.where(Payout.payee == query["payee"])
    if query.get("seller_id"):
        stmt = stmt.where(Payout.seller_id == query["seller_id"])
    if query.get("needs_review") is not None:
        stmt = stmt.where(Payout.needs_review.is_(query["needs_review"]))
    return paginate(stmt, query["page"], query["per_page"])


def get_payout(payout_id: int, *, seller_id: int | None = None, user_id: int | None = None) -> Payout:
    """One payout (one seller's or one user's only, when given: another's is 404)."""
    stmt = select(Payout).options(selectinload(Payout.events)).where(Payout.id == payout_id)
    if seller_id is not None:
        stmt = stmt.where(Payout.seller_id == seller_id)
    if user_id is not None:
        stmt = stmt.where(Payout.user_id == user_id)
    payout = db.session.scalar(stmt)
    if payout is None:
        raise PayoutNotFound("No such payout.")
    return payout


def made(payouts: list[Payout]) -> dict[str, Any]:
    """What a request for payouts answers: all they come to, and each (one per M-Pesa transaction)."""
    return {"amount": sum((payout.amount for payout in payouts), Decimal("0.00")), "payouts": payouts}
