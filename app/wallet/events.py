"""The wallet's answers to payouts' questions."""

from __future__ import annotations

from typing import Any

from app.payouts.signals import payee_wanted
from app.wallet.services.withdrawals import payee_for_retry


@payee_wanted.connect
def _payee(payout: Any, **_: Any) -> Any:
    return payee_for_retry(payout)
