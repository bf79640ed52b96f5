"""The return status machine: one table of allowed transitions, and who may take each.

requested -> approved -> received -> refunded
requested -> rejected                      (admin)
requested -> cancelled                     (the customer)
"""

from __future__ import annotations

import enum

from app.orders.status import ActorKind


class ReturnStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    RECEIVED = "received"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


class ReturnReason(enum.StrEnum):
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    NOT_AS_DESCRIBED = "not_as_described"
    CHANGED_MIND = "changed_mind"
    OTHER = "other"


R, A = ReturnStatus, ActorKind
TRANSITIONS: dict[tuple[ReturnStatus, ReturnStatus], frozenset[ActorKind]] = {
    (R.REQUESTED, R.APPROVED): frozenset({A.ADMIN}),
    (R.REQUESTED, R.REJECTED): frozenset({A.ADMIN}),
    (R.REQUESTED, R.CANCELLED): frozenset({A.CUSTOMER}),
    (R.APPROVED, R.RECEIVED): frozenset({A.ADMIN}),
    (R.RECEIVED, R.REFUNDED): frozenset({A.ADMIN}),
}
# A return in these states holds its quantities: a line cannot be returned beyond what was bought.
HOLDING = (R.REQUESTED.value, R.APPROVED.value, R.RECEIVED.value, R.REFUNDED.value)


def allowed_next(status: str, actor: ActorKind) -> list[ReturnStatus]:
    current = ReturnStatus(status)
    return [to for (frm, to), who in TRANSITIONS.items() if frm == current and actor in who]
