"""PayPal: OAuth, Orders v2 (create, get, capture), Payments v2 (refund a capture) and webhook
verification.

    POST {base}/v1/oauth2/token                              Basic client_id:secret, grant_type=client_credentials
    POST {base}/v2/checkout/orders                           intent CAPTURE, PayPal-Request-Id
    GET  {base}/v2/checkout/orders/{id}
    POST {base}/v2/checkout/orders/{id}/capture              PayPal-Request-Id
    POST {base}/v2/payments/captures/{capture_id}/refund     PayPal-Request-Id
    POST {base}/v1/notifications/verify-webhook-signature    the PAYPAL-* headers, webhook_id, the event

Amounts are decimal strings in the currency's unit ("11.59" USD); JPY, HUF and TWD take no
decimals. A PayPal-Request-Id makes a retried POST return the first answer instead of acting twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import Any

import requests

from app.payments.gateways import (
    HeaderLookup,
    Initiated,
    Outcome,
    ProviderError,
    ProviderRejection,
    RefundResult,
    provider_amount,
    provider_id,
    send,
    tokens,
)

SANDBOX = "https://api-m.sandbox.paypal.com"
ZERO_DECIMAL = frozenset({"HUF", "JPY", "TWD"})  # PayPal takes these in whole units
# The headers PayPal signs a webhook delivery with; all are needed to verify it.
WEBHOOK_HEADERS = {
    "auth_algo": "PAYPAL-AUTH-ALGO",
    "cert_url": "PAYPAL-CERT-URL",
    "transmission_id": "PAYPAL-TRANSMISSION-ID",
    "transmission_sig": "PAYPAL-TRANSMISSION-SIG",
    "transmission_time": "PAYPAL-TRANSMISSION-TIME",
}

# A capture's `status` -> our state (a refunded capture was paid: refunds are recorded apart).
CAPTURE_STATES = {
    "COMPLETED": "succeeded",
    "REFUNDED": "succeeded",
    "PARTIALLY_REFUNDED": "succeeded",
    "PENDING": "pending",
    "DECLINED": "failed",
    "FAILED": "failed",
}


def minor_unit(currency: str) -> Decimal:
    return Decimal(1) if currency in ZERO_DECIMAL else Decimal("0.01")


def convert(amount: Decimal, rate: Decimal, currency: str) -> Decimal:
    """`amount` of the store currency in `currency` at `rate` (store currency per unit), rounded
    up to the currency's minor unit, so the shop never receives less than the order's total."""
    return (amount / rate).quantize(minor_unit(currency), rounding=ROUND_CEILING)


def money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"currency_code": currency, "value": str(amount.quantize(minor_unit(currency)))}


class PaypalGateway:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.base = (config.get("PAYPAL_BASE_URL") or SANDBOX).rstrip("/")
        self.client_id = config.get("PAYPAL_CLIENT_ID") or ""
        self.secret = config.get("PAYPAL_CLIENT_SECRET") or ""
        self.webhook_id = config.get("PAYPAL_WEBHOOK_ID") or ""
        self.currency = str(config.get("PAYPAL_CURRENCY") or "USD").upper()
        self.store_currency = str(config.get("STORE_CURRENCY") or "KES").upper()
        self.rate = self._rate(config.get("PAYPAL_FX_RATE"))
        self.timeout = float(config.get("PAYMENT_PROVIDER_TIMEOUT_SECONDS") or 10)
        self.at_once = int(config.get("PROVIDER_CALLS_AT_ONCE") or 2)

    @classmethod
    def of_app(cls) -> PaypalGateway:
        """The gateway configured by the current app's settings."""
        from flask import current_app

        return cls(current_app.config)

    def _rate(self, value: Any) -> Decimal | None:
        if self.currency == self.store_currency:
            return Decimal(1)
        try:
            rate = Decimal(str(value)) if value not in (None, "") else None
        except InvalidOperation:
            return None
        return rate if rate is not None and rate.is_finite() and rate > 0 else None

    @property
    def configured(self) -> bool:
        """Credentials, and a rate when the store's currency is not PayPal's."""
        return bool(self.client_id and self.secret and self.rate is not None)

    # OAuth -----------------------------------------------------------------------------------

    def token(self) -> str:
        """An OAuth access token (client credentials), cached until shortly before it expires."""
        cached = tokens.get(self._token_key)
        if cached:
            return cached
        try:
            response = send(
                "POST",
                f"{self.base}/v1/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self.secret),
                headers={"Accept": "application/json"},
                timeout=self.timeout,
                at_once=self.at_once,
            )
        except requests.RequestException as exc:
            raise ProviderError(f"PayPal authorization unreachable: {type(exc).__name__}") from None
        body = self._json(response, "authorization")
        if response.status_code != 200 or not body.get("access_token"):
            raise ProviderError(f"PayPal authorization refused (HTTP {response.status_code})")
        tokens.put(self._token_key, str(body["access_token"]), body.get("expires_in"), default=32400.0)
        return str(body["access_token"])

    @property
    def _token_key(self) -> tuple[str, str]:
        return (self.base, self.client_id)

    # Orders ----------------------------------------------------------------------------------

    def create_order(
        self,
        *,
        amount: Decimal,
        order_reference: str,
        invoice_id: str,
        request_id: str,
        return_url: str,
        cancel_url: str,
        description: str,
    ) -> Initiated:
        """Create a PayPal order (intent CAPTURE) the buyer approves at the returned `approve_url`."""
        payload = {
            "intent": "CAPTURE",
            "purchase_units": [
                {
                    "reference_id": order_reference,
                    "custom_id": order_reference,
                    "invoice_id": invoice_id,  # unique per attempt: PayPal refuses a paid invoice_id twice
                    "description": description[:127],
                    "amount": money(amount, self.currency),
                }
            ],
            "payment_source": {
                "paypal": {
                    "experience_context": {
                        "user_action": "PAY_NOW",
                        "shipping_preference": "NO_SHIPPING",  # the shop delivers to the checkout address
                        "return_url": return_url,
                        "cancel_url": cancel_url,
                    }
                }
            },
        }
        body = self._call("POST", "/v2/checkout/orders", payload, request_id=request_id)
        approve = next(
            (
                link.get("href")
                for link in body.get("links") or []
                if isinstance(link, dict) and link.get("rel") in ("payer-action", "approve")
            ),
            None,
        )
        if not body.get("id") or not approve:
            raise ProviderError("PayPal create order: unexpected answer")
        return Initiated(str(body["id"]), {"approve_url": approve, "paypal_status": body.get("status")})

    def get_order(self, paypal_order_id: str) -> Outcome:
        """Where a PayPal order stands: its capture once captured; `pending` with
        details["paypal_status"] == "APPROVED" when the buyer approved and nobody captured yet."""
        body = self._call("GET", f"/v2/checkout/orders/{_segment(paypal_order_id)}")
        return self.outcome_of_order(paypal_order_id, body)

    def capture(self, paypal_order_id: str) -> Outcome:
        """Capture an approved order. The request id is derived from the order, so a retried
        capture (a timeout on our side) gets PayPal's first answer instead of a second charge."""
        body = self._call(
            "POST",
            f"/v2/checkout/orders/{_segment(paypal_order_id)}/capture",
            {},
            request_id=f"capture-{paypal_order_id}",
        )
        return self.outcome_of_order(paypal_order_id, body)

    def outcome_of_order(self, paypal_order_id: str, order: Mapping[str, Any]) -> Outcome:
        status = str(order.get("status") or "")
        captures = [
            capture
            for unit in order.get("purchase_units") or []
            for capture in ((unit.get("payments") or {}).get("captures") or [])
            if isinstance(capture, dict)
        ]
        if captures:
            return self.outcome_of_capture(captures[0], paypal_order_id)
        if status == "VOIDED":
            return Outcome(paypal_order_id, "cancelled", code="paypal_voided", details={"paypal_status": status})
        return Outcome(paypal_order_id, "pending", details={"paypal_status": status})

    @staticmethod
    def outcome_of_capture(capture: Mapping[str, Any], paypal_order_id: str | None = None) -> Outcome:
        """The outcome a capture object (a capture's answer, or a webhook's `resource`) reports."""
        try:
            capture_id = provider_id(capture["id"], "id")
            amount = provider_amount(capture["amount"]["value"], "amount.value")
            currency = str(capture["amount"]["currency_code"])[:3]
            status = str(capture["status"])[:40]
            order_id = paypal_order_id or provider_id(
                capture.get("supplementary_data", {}).get("related_ids", {}).get("order_id"), "order_id"
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError("not a PayPal capture") from exc
        state = CAPTURE_STATES.get(status, "pending")
        reason = (capture.get("status_details") or {}).get("reason")
        return Outcome(
            order_id,
            state,
            amount=amount,
            receipt=capture_id,
            code=f"paypal_{status.lower()}" if state == "failed" else None,
            reason=str(reason)[:300] if reason else None,
            details={"currency": currency, "capture_status": status, "custom_id": capture.get("custom_id")},
        )

    # Refunds ---------------------------------------------------------------------------------

    def refund(self, capture_id: str, amount: Decimal | None, currency: str, request_id: str) -> RefundResult:
        """Refund a capture, wholly (`amount` None) or in part."""
        payload: dict[str, Any] = {} if amount is None else {"amount": money(amount, currency)}
        body = self._call(
            "POST", f"/v2/payments/captures/{_segment(capture_id)}/refund", payload, request_id=request_id
        )
        if not body.get("id"):
            raise ProviderError("PayPal refund: unexpected answer")
        return RefundResult(str(body["id"]), str(body.get("status") or "PENDING"))

    # Webhooks --------------------------------------------------------------------------------

    @staticmethod
    def signature_headers(headers: HeaderLookup) -> dict[str, str] | None:
        """The signing headers of a delivery by their verify-webhook-signature names; None when
        one is missing."""
        found = {name: headers.get(header) for name, header in WEBHOOK_HEADERS.items()}
        if not all(found.values()):
            return None
        return {name: str(value) for name, value in found.items()}

    def verify_webhook(self, signed: Mapping[str, str], raw_body: bytes) -> bool:
        """Ask PayPal whether this delivery is authentic. The event goes back byte for byte as it
        came: re-serialising it (key order, number formats) would change what was signed."""
        if not self.webhook_id:
            return False
        fields = {**signed, "webhook_id": self.webhook_id}
        body = json.dumps(fields)[:-1] + ', "webhook_event": ' + raw_body.decode("utf-8") + "}"
        answer = self._call("POST", "/v1/notifications/verify-webhook-signature", raw=body.encode())
        return answer.get("verification_status") == "SUCCESS"

    # Internals -------------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        payload: dict[str, Any] | None = None,
        *,
        request_id: str | None = None,
        raw: bytes | None = None,
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token()}", "Content-Type": "application/json"}
        if request_id:
            headers["PayPal-Request-Id"] = request_id
        try:
            response = send(
                method,
                f"{self.base}{path}",
                json=payload if raw is None else None,
                data=raw,
                headers=headers,
                timeout=self.timeout,
                at_once=self.at_once,
            )
        except requests.RequestException as exc:
            raise ProviderError(f"PayPal unreachable: {type(exc).__name__}") from None
        if response.status_code == 401:
            tokens.forget(self._token_key)  # expired or revoked early: the next call fetches a new one
        body = self._json(response, path)
        if response.status_code >= 500 or response.status_code == 401:
            raise ProviderError(f"PayPal failed (HTTP {response.status_code})")
        if response.status_code >= 400:
            details = body.get("details") if isinstance(body.get("details"), list) else []
            first = details[0] if details and isinstance(details[0], dict) else {}
            issue = str(first.get("issue") or body.get("name") or f"HTTP_{response.status_code}")
            message = str(first.get("description") or body.get("message") or "Refused")
            raise ProviderRejection(issue, message[:200])
        return body

    @staticmethod
    def _json(response: requests.Response, what: str) -> dict[str, Any]:
        if not response.content:
            return {}
        try:
            body = response.json()
        except ValueError:
            raise ProviderError(f"PayPal {what}: not JSON (HTTP {response.status_code})") from None
        if not isinstance(body, dict):
            raise ProviderError(f"PayPal {what}: unexpected answer (HTTP {response.status_code})")
        return body


def _segment(value: str) -> str:
    return requests.utils.quote(value, safe="")
