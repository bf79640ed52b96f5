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


class SellerOrderStatus(enum.StrEnum):
    AWAITING_PAYMENT = "awaiting_payment"
    TO_FULFIL = "to_fulfil"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


# Where a seller's part goes when the whole order moves (an admin moving the order, a payment,
# a cancellation): from the states listed, to this one.
SO = SellerOrderStatus
FOLLOWS_ORDER: dict[str, tuple[SellerOrderStatus, frozenset[SellerOrderStatus]]] = {
    "paid": (SO.TO_FULFIL, frozenset({SO.AWAITING_PAYMENT})),
    "processing": (SO.TO_FULFIL, frozenset({SO.AWAITING_PAYMENT})),  # cash on delivery, confirmed
    "shipped": (SO.SHIPPED, frozenset({SO.TO_FULFIL, SO.PACKED})),
    "out_for_delivery": (SO.SHIPPED, frozenset({SO.TO_FULFIL, SO.PACKED})),
    "delivered": (SO.DELIVERED, frozenset({SO.TO_FULFIL, SO.PACKED, SO.SHIPPED})),
    "cancelled": (SO.CANCELLED, frozenset({SO.AWAITING_PAYMENT, SO.TO_FULFIL, SO.PACKED})),
    "returned": (SO.RETURNED, frozenset({SO.DELIVERED})),
}

# What a seller (its own) or staff may do to one seller order: sellers pack and ship; only staff
# mark delivered, so a seller never releases its own money.
SELLER_ORDER_MOVES: dict[tuple[SellerOrderStatus, SellerOrderStatus], frozenset[str]] = {
    (SO.TO_FULFIL, SO.PACKED): frozenset({"seller", "admin"}),
    (SO.PACKED, SO.SHIPPED): frozenset({"seller", "admin"}),
    (SO.SHIPPED, SO.DELIVERED): frozenset({"admin"}),
    # Before it ships (an unpaid order's part waits for the payment or the customer's decision).
    (SO.TO_FULFIL, SO.CANCELLED): frozenset({"seller", "admin"}),
    (SO.PACKED, SO.CANCELLED): frozenset({"seller", "admin"}),
}
