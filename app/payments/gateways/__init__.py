"""One module per payment provider behind one interface; plain dataclasses in and out.

Gateways know their provider's URLs, units, formats and authentication; they never touch the
database session or decide an order's state (app/payments/services/ does). Provider calls use
`requests` with explicit timeouts; a timeout, a 5xx or an answer that is not what the provider
documents raises `ProviderError` (the client then gets 502 `provider_unavailable`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import requests

TOKEN_MARGIN_SECONDS = 60  # a cached access token is renewed this long before it expires

# What a provider's id may look like (Daraja's ws_CO_..., Paystack's numbers and our references,
# PayPal's 5O190127TN364715T): printable ASCII, no spaces, short enough for our columns.
_PROVIDER_ID = re.compile(r"[!-~]{1,100}")
# Largest amount any payment of ours can carry: Money columns hold it, and no order comes near.
MAX_PROVIDER_AMOUNT = Decimal(10) ** 10


def provider_id(value: Any, what: str) -> str:
    """An id read from a provider's payload: a string or an integer (Paystack's ids are
    numbers), as text; ValueError for anything else (NUL, 100,000 characters, an object)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{what} is not an id")
    text = str(value)
    if not _PROVIDER_ID.fullmatch(text):
        raise ValueError(f"{what} is not an id")
    return text


def provider_amount(value: Any, what: str, *, places: int = 2) -> Decimal:
    """An amount read from a provider's payload (a JSON number or a decimal string): finite,
    not negative, at most `places` decimals and within MAX_PROVIDER_AMOUNT; ValueError for NaN,
    Infinity, 1e400, "12abc", true, an object..."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"{what} is not an amount")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{what} is not an amount") from None
    if not amount.is_finite() or amount < 0 or amount > MAX_PROVIDER_AMOUNT:
        raise ValueError(f"{what} is out of range")
    if amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise ValueError(f"{what} has more than {places} decimals")
    return amount.quantize(Decimal(1).scaleb(-places))


class ProviderError(Exception):
    """The provider could not be reached or answered out of its contract. The message never
    carries a secret."""


class ProviderBusy(ProviderError):
    """This process already has as many provider calls in flight as it allows."""


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


class HeaderLookup(Protocol):
    """Request headers, looked up without regard to case (werkzeug's Headers)."""

    def get(self, key: str) -> str | None: ...


@dataclass(frozen=True, slots=True)
class RefundResult:
    reference: str  # the provider's id of the refund
    status: str  # as the provider words it (Paystack: pending | processed; PayPal: COMPLETED | PENDING ...)


class TokenCache:
    """OAuth access tokens of the providers, per (base URL, client id), kept until shortly before
    they expire, for every thread of the process."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> str | None:
        with self._lock:
            cached = self._tokens.get(key)
        return cached[0] if cached and cached[1] > time.monotonic() else None

    def put(self, key: tuple[str, str], token: str, expires_in: Any, default: float = 3599.0) -> None:
        """Keep `token` for `expires_in` seconds (a number or, as Daraja sends it, a string)."""
        try:
            lifetime = float(expires_in)
        except (TypeError, ValueError):
            lifetime = default
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + lifetime - TOKEN_MARGIN_SECONDS)

    def forget(self, key: tuple[str, str] | None = None) -> None:
        """Drop one token (revoked early: the provider answered 401) or all of them."""
        with self._lock:
            if key is None:
                self._tokens.clear()
            else:
                self._tokens.pop(key, None)


tokens = TokenCache()


class InFlight:
    """A bulkhead: at most `limit` provider calls at once in this process, so that a provider
    answering in 8 s holds at most that many of a worker's threads and the others go on serving
    (`/health`, the catalog). A call beyond the limit does not wait: ProviderBusy at once."""

    def __init__(self) -> None:
        self._slots: dict[int, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def _semaphore(self, limit: int) -> threading.BoundedSemaphore:
        with self._lock:
            return self._slots.setdefault(limit, threading.BoundedSemaphore(limit))

    @contextmanager
    def slot(self, limit: int) -> Iterator[None]:
        semaphore = self._semaphore(max(1, limit))
        if not semaphore.acquire(blocking=False):
            raise ProviderBusy(f"{limit} provider calls already in flight")
        try:
            yield
        finally:
            semaphore.release()


in_flight = InFlight()


def send(method: str, url: str, *, at_once: int, **kwargs: Any) -> requests.Response:
    """Every HTTP call to a provider: `requests`, within the process's bulkhead of `at_once`
    calls (PROVIDER_CALLS_AT_ONCE). Timeouts are the caller's (always given)."""
    with in_flight.slot(at_once):
        return requests.request(method, url, **kwargs)
