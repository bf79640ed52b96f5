"""Paystack: Transactions (initialize, verify), webhooks and refunds.

    POST {base}/transaction/initialize     {email, amount, currency, reference, callback_url?, metadata}
    GET  {base}/transaction/verify/{reference}
    POST {base}/refund                     {transaction, amount?}
    every call: Authorization: Bearer <secret key>

Amounts are in the currency's subunit (KES: cents). A webhook is authentic when its
`x-paystack-signature` header is the hex HMAC-SHA512 of the raw body keyed with the secret key.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import requests

from app.payments.gateways import (
    Initiated,
    Outcome,
    ProviderError,
    ProviderRejection,
    RefundResult,
    provider_amount,
    provider_id,
    send,
)

API = "https://api.paystack.co"
SUBUNITS = 100  # KES, NGN, GHS, ZAR, USD: two decimal places

# A transaction's `status` -> our state. "abandoned" is what a transaction nobody has paid yet
# reports (the customer may still pay it), so it stays pending; so do ongoing, pending, queued.
STATES = {
    "success": "succeeded",
    "failed": "failed",
    "reversed": "failed",
}


def to_subunits(amount: Decimal) -> int:
    return int((amount * SUBUNITS).to_integral_value())


def from_subunits(value: Any) -> Decimal:
    """A Paystack amount (whole subunits) in the currency's unit; ValueError for "NaN", 1.5, ..."""
    return (provider_amount(value, "amount", places=0) / SUBUNITS).quantize(Decimal("0.01"))


class PaystackGateway:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.base = (config.get("PAYSTACK_BASE_URL") or API).rstrip("/")
        self.secret = config.get("PAYSTACK_SECRET_KEY") or ""
        self.timeout = float(config.get("PAYMENT_PROVIDER_TIMEOUT_SECONDS") or 10)
        self.at_once = int(config.get("PROVIDER_CALLS_AT_ONCE") or 2)

    @classmethod
    def of_app(cls) -> PaystackGateway:
        """The gateway configured by the current app's settings."""
        from flask import current_app

        return cls(current_app.config)

    @property
    def configured(self) -> bool:
        return bool(self.secret)

    def initialize(
        self, reference: str, amount: Decimal, currency: str, email: str, callback_url: str | None, metadata: dict
    ) -> Initiated:
        payload: dict[str, Any] = {
            "email": email,
            "amount": to_subunits(amount),
            "currency": currency,
            "reference": reference,
            "metadata": metadata,
        }
        if callback_url:
            payload["callback_url"] = callback_url
        body = self._call("POST", "/transaction/initialize", payload)
        data = body.get("data") or {}
        if not data.get("authorization_url") or data.get("reference") != reference:
            raise ProviderError("Paystack initialize: unexpected answer")
        return Initiated(
            reference, {"authorization_url": data["authorization_url"], "access_code": data.get("access_code")}
        )

    def verify(self, reference: str) -> Outcome:
        body = self._call("GET", f"/transaction/verify/{requests.utils.quote(reference, safe='')}")
        return self.outcome_of(body.get("data") or {})

    @staticmethod
    def outcome_of(data: Mapping[str, Any]) -> Outcome:
        """The outcome a transaction object (from verify, or a webhook's `data`) reports."""
        try:
            reference = provider_id(data["reference"], "reference")
            amount = from_subunits(data["amount"])
            currency = str(data["currency"])[:3]
            receipt = provider_id(data["id"], "id") if data.get("id") is not None else None
        except (KeyError, TypeError) as exc:
            raise ValueError("not a Paystack transaction") from exc
        state = STATES.get(str(data.get("status")), "pending")
        return Outcome(
            reference,
            state,
            amount=amount,
            receipt=receipt,
            code=None if state in ("succeeded", "pending") else f"paystack_{data.get('status')}",
            reason=str(data.get("gateway_response") or "")[:300] or None,
            details={"currency": currency, "channel": data.get("channel"), "paid_at": data.get("paid_at")},
        )

    def signature_ok(self, raw_body: bytes, signature: str | None) -> bool:
        if not self.secret or not signature:
            return False
        expected = hmac.new(self.secret.encode(), raw_body, hashlib.sha512).hexdigest()
        return hmac.compare_digest(expected, signature.strip().lower())

    def refund(self, reference: str, amount: Decimal | None) -> RefundResult:
        payload: dict[str, Any] = {"transaction": reference}
        if amount is not None:
            payload["amount"] = to_subunits(amount)
        body = self._call("POST", "/refund", payload)
        data = body.get("data") or {}
        return RefundResult(str(data.get("id", "")), str(data.get("status", "pending")))

    def _call(self, method: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.secret}", "Content-Type": "application/json"}
        try:
            response = send(
                method, f"{self.base}{path}", json=payload, headers=headers, timeout=self.timeout, at_once=self.at_once
            )
        except requests.RequestException as exc:
            raise ProviderError(f"Paystack unreachable: {type(exc).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            raise ProviderError(f"Paystack: not JSON (HTTP {response.status_code})") from None
        if not isinstance(body, dict):
            raise ProviderError(f"Paystack: unexpected answer (HTTP {response.status_code})")
        if response.status_code >= 500:
            raise ProviderError(f"Paystack failed (HTTP {response.status_code})")
        if response.status_code >= 400 or body.get("status") is not True:
            raise ProviderRejection(f"paystack_{response.status_code}", str(body.get("message") or "Refused")[:200])
        return body
