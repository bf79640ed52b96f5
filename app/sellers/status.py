"""The seller status machine: one table of allowed transitions, and who may take each.

    pending -> approved | rejected (reason)      an admin decides an application
    approved -> suspended (reason) -> approved   an admin suspends and reinstates
    approved -> closed                           the seller, with no order of theirs still open

A suspended or closed seller's store is closed: its products leave the shop (withheld, not
deleted) and come back when it is approved again.
"""

from __future__ import annotations

import enum


class SellerStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    CLOSED = "closed"


class SellerKind(enum.StrEnum):
    INDIVIDUAL = "individual"  # a maker, an artisan
    BUSINESS = "business"  # a registered business (KRA PIN and registration number)


class Decider(enum.StrEnum):
    ADMIN = "admin"
    SELLER = "seller"


S, D = SellerStatus, Decider
TRANSITIONS: dict[tuple[SellerStatus, SellerStatus], Decider] = {
    (S.PENDING, S.APPROVED): D.ADMIN,
    (S.PENDING, S.REJECTED): D.ADMIN,
    (S.APPROVED, S.SUSPENDED): D.ADMIN,
    (S.SUSPENDED, S.APPROVED): D.ADMIN,
    (S.APPROVED, S.CLOSED): D.SELLER,
}
# Moves that must say why (the seller is told).
NEEDS_REASON = frozenset({S.REJECTED, S.SUSPENDED})
# A user has at most one seller account in these states (one open application, one store).
OPEN = (S.PENDING.value, S.APPROVED.value, S.SUSPENDED.value)


def allowed_next(status: str, decider: Decider) -> list[SellerStatus]:
    current = SellerStatus(status)
    return [to for (frm, to), who in TRANSITIONS.items() if frm == current and who == decider]
