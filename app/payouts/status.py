"""The payout state machine: one table of allowed moves.

pending_approval -> queued | rejected          (an admin other than the requester)
queued -> submitted                            (Daraja acknowledged it)
queued -> failed                               (Daraja refused the request: nothing was sent)
queued | submitted -> unknown                  (an unclear answer, a timeout, no result in time)
submitted | unknown -> paid | failed           (the result, or the status query)
"""

from __future__ import annotations

import enum


class PayoutStatus(enum.StrEnum):
    PENDING_APPROVAL = "pending_approval"
    QUEUED = "queued"
    SUBMITTED = "submitted"
    UNKNOWN = "unknown"
    PAID = "paid"
    FAILED = "failed"
    REJECTED = "rejected"


P = PayoutStatus
MOVES: frozenset[tuple[PayoutStatus, PayoutStatus]] = frozenset(
    {
        (P.PENDING_APPROVAL, P.QUEUED),
        (P.PENDING_APPROVAL, P.REJECTED),
        (P.QUEUED, P.SUBMITTED),
        (P.QUEUED, P.FAILED),
        (P.QUEUED, P.UNKNOWN),
        (P.SUBMITTED, P.UNKNOWN),
        (P.SUBMITTED, P.PAID),
        (P.SUBMITTED, P.FAILED),
        (P.UNKNOWN, P.PAID),
        (P.UNKNOWN, P.FAILED),
    }
)
# The money is back in the balance it came from.
RETURNED = (P.FAILED.value, P.REJECTED.value)
FINAL = (P.PAID.value, P.FAILED.value, P.REJECTED.value)


class PayeeKind(enum.StrEnum):
    SELLER = "seller"
    WALLET = "wallet"


class Origin(enum.StrEnum):
    REQUEST = "request"  # the payee asked
    SCHEDULE = "schedule"  # the weekly run
    RETRY = "retry"  # an admin retried a failed one (a new payout from the balance)
