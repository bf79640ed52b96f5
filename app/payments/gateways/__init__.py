"""One module per payment provider behind one interface; plain dataclasses in and out.

Gateways know their provider's URLs, units, formats and authentication; they never touch the
database session or decide an order's state (app/payments/services.py does). Provider calls use
`requests` with explicit timeouts; a timeout, a 5xx or an answer that is not what the provider
documents raises `ProviderError` (the client then gets 502 `provider_unavailable`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


class ProviderError(Exception):
    """The provider could not be reached or answered out of its contract. The message never
    carries a secret."""


class ProviderRejection(Exception):
    """The provider understood the request and refused it (a bad phone number, say)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    reference: str  # our order reference
    amount: Decimal  # in the provider's unit (whole shillings for M-Pesa)
    currency: str
    phone: str | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Initiated:
    provider_reference: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a callback or a status query says of an attempt."""

    provider_reference: str
    state: str  # "succeeded" | "failed" | "cancelled" | "pending"
    amount: Decimal | None = None
    receipt: str | None = None
    code: str | None = None
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
