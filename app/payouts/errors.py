"""Payouts' errors."""

from __future__ import annotations

from app.errors import AppError, Conflict, Forbidden, NotFound


class PayoutNotFound(NotFound):
    code, title = "payout_not_found", "Payout not found"


class PayoutsPaused(Conflict):
    code, title = "payouts_paused", "Payouts are paused"


class InsufficientBalance(Conflict):
    code, title = "insufficient_balance", "Not enough to pay out"


class NegativeBalance(Conflict):
    code, title = "negative_balance", "The balance is below zero"


class SameApprover(Forbidden):
    code, title = "same_approver", "Approved by the one who asked"


class PayoutNotDecidable(Conflict):
    code, title = "payout_not_decidable", "This payout is not waiting for a decision"


class PayoutNotRetryable(Conflict):
    code, title = "payout_not_retryable", "Only a failed payout can be retried"


class PayoutsUnavailable(AppError):
    status, code, title = 503, "payouts_unavailable", "Payouts are not set up"
