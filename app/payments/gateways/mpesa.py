"""Safaricom Daraja: Authorization (OAuth), M-Pesa Express (STK Push) and its Query.

    GET  {base}/oauth/v1/generate?grant_type=client_credentials   Basic consumer_key:consumer_secret
    POST {base}/mpesa/stkpush/v1/processrequest                  Bearer token
    POST {base}/mpesa/stkpushquery/v1/query                      Bearer token

Password = base64(BusinessShortCode + Passkey + Timestamp), Timestamp `YYYYMMDDHHmmss` in
Nairobi time (EAT, UTC+3 all year). Amounts are whole shillings. The result reaches the
CallBackURL as `{"Body": {"stkCallback": {...}}}`; outcomes are read from `ResultCode`, never from
the free-text `ResultDesc`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import ROUND_CEILING, Decimal
from typing import Any

import requests

from app.payments.gateways import (
    Initiated,
    Outcome,
    PaymentRequest,
    ProviderError,
    ProviderRejection,
    provider_amount,
    provider_id,
    send,
    tokens,
)

SANDBOX = "https://sandbox.safaricom.co.ke"
NAIROBI = timezone(timedelta(hours=3), "EAT")  # Kenya keeps no daylight saving time
MIN_AMOUNT, MAX_AMOUNT = Decimal(1), Decimal(250_000)  # KES per transaction
STILL_PROCESSING = "500.001.1001"  # the query's "The transaction is being processed"
SUCCESS, CANCELLED_BY_USER = 0, 1032
_RESULT_CODE = re.compile(r"[0-9]{1,9}")

# ResultCode -> our failure code (the rest are "failed" with the code as given).
FAILURE_CODES = {
    1: "insufficient_funds",
    1001: "subscriber_busy",
    1019: "expired",
    1025: "push_failed",
    1032: "cancelled",
    1037: "phone_unreachable",
    2001: "wrong_pin",
}


def whole_shillings(amount: Decimal) -> Decimal:
    """M-Pesa takes whole shillings: a total with cents is rounded up, so an order is never
    underpaid (the callback must then report exactly this amount)."""
    return amount.quantize(Decimal(1), rounding=ROUND_CEILING)


def msisdn(phone: str) -> str:
    """A Kenyan mobile number as Daraja wants it: 2547XXXXXXXX or 2541XXXXXXXX."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits.startswith("254"):
        digits = digits[3:]
    elif digits.startswith("0"):
        digits = digits[1:]
    if len(digits) != 9 or digits[0] not in "17":
        raise ValueError("not a Kenyan mobile number")
    return "254" + digits


def timestamp(now: datetime | None = None) -> str:
    return (now or datetime.now(tz=NAIROBI)).astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")


def password(shortcode: str, passkey: str, stamp: str) -> str:
    return base64.b64encode(f"{shortcode}{passkey}{stamp}".encode()).decode()


class MpesaGateway:
    """M-Pesa Express for one shortcode, from the MPESA_* settings."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.base = (config.get("MPESA_BASE_URL") or SANDBOX).rstrip("/")
        self.key = config.get("MPESA_CONSUMER_KEY") or ""
        self.secret = config.get("MPESA_CONSUMER_SECRET") or ""
        self.shortcode = str(config.get("MPESA_SHORTCODE") or "")
        self.passkey = config.get("MPESA_PASSKEY") or ""
        self.timeout = float(config.get("PAYMENT_PROVIDER_TIMEOUT_SECONDS") or 10)
        self.at_once = int(config.get("PROVIDER_CALLS_AT_ONCE") or 2)

    @classmethod
    def of_app(cls) -> MpesaGateway:
        """The gateway configured by the current app's settings."""
        from flask import current_app

        return cls(current_app.config)

    @property
    def configured(self) -> bool:
        return bool(self.key and self.secret and self.shortcode and self.passkey)

    # Authorization ---------------------------------------------------------------------------

    def token(self) -> str:
        """An OAuth access token, cached per credentials until shortly before it expires."""
        cached = tokens.get(self._token_key)
        if cached:
            return cached
        try:
            response = send(
                "GET",
                f"{self.base}/oauth/v1/generate",
                params={"grant_type": "client_credentials"},
                auth=(self.key, self.secret),
                timeout=self.timeout,
                at_once=self.at_once,
            )
        except requests.RequestException as exc:
            raise ProviderError(f"M-Pesa authorization unreachable: {type(exc).__name__}") from None
        body = self._json(response, "authorization")
        if response.status_code != 200 or "access_token" not in body:
            raise ProviderError(f"M-Pesa authorization refused (HTTP {response.status_code})")
        tokens.put(self._token_key, str(body["access_token"]), body.get("expires_in"))  # documented as "3599"
        return str(body["access_token"])

    @property
    def _token_key(self) -> tuple[str, str]:
        return (self.base, self.key)

    # STK Push --------------------------------------------------------------------------------

    def initiate(self, request: PaymentRequest, callback_url: str) -> Initiated:
        """Send the STK prompt to the customer's phone; returns the CheckoutRequestID."""
        stamp = timestamp()
        phone = msisdn(request.phone or "")
        payload = {
            "BusinessShortCode": self.shortcode,
            "Password": password(self.shortcode, self.passkey, stamp),
            "Timestamp": stamp,
            "TransactionType": "CustomerPayBillOnline",
            "Amount": int(whole_shillings(request.amount)),
            "PartyA": phone,
            "PartyB": self.shortcode,
            "PhoneNumber": phone,
            "CallBackURL": callback_url,
            "AccountReference": request.reference[:12],
            "TransactionDesc": (request.description or "Payment")[:13],
        }
        body, status = self._post("/mpesa/stkpush/v1/processrequest", payload)
        if status == 200 and str(body.get("ResponseCode")) == "0" and body.get("CheckoutRequestID"):
            return Initiated(
                str(body["CheckoutRequestID"]),
                {"merchant_request_id": body.get("MerchantRequestID"), "customer_message": body.get("CustomerMessage")},
            )
        if 400 <= status < 500 and body.get("errorCode"):
            raise ProviderRejection(str(body["errorCode"]), str(body.get("errorMessage") or "Refused"))
        raise ProviderError(f"M-Pesa STK push failed (HTTP {status})")

    def query(self, checkout_request_id: str) -> Outcome:
        """Ask Daraja where an STK push stands (the way back from a lost callback). The query
        reports neither the receipt nor the amount: a success is taken as the amount asked."""
        stamp = timestamp()
        payload = {
            "BusinessShortCode": self.shortcode,
            "Password": password(self.shortcode, self.passkey, stamp),
            "Timestamp": stamp,
            "CheckoutRequestID": checkout_request_id,
        }
        body, status = self._post("/mpesa/stkpushquery/v1/query", payload)
        if str(body.get("errorCode")) == STILL_PROCESSING:
            return Outcome(checkout_request_id, "pending", details={"query": body})
        if status != 200 or "ResultCode" not in body:
            raise ProviderError(f"M-Pesa STK query failed (HTTP {status})")
        return self._outcome(checkout_request_id, body["ResultCode"], body.get("ResultDesc"), {"query": body})

    # Callback --------------------------------------------------------------------------------

    def parse_callback(self, body: Any) -> Outcome:
        """The outcome a callback body reports; ValueError for anything that is not one (ids that
        are no ids, CallbackMetadata that is no object, Item that is no list, an Amount of NaN)."""
        try:
            callback = body["Body"]["stkCallback"]
            checkout = provider_id(callback["CheckoutRequestID"], "CheckoutRequestID")
            result = callback["ResultCode"]
        except (KeyError, TypeError) as exc:
            raise ValueError("not an STK callback") from exc
        if not isinstance(callback, dict):
            raise ValueError("not an STK callback")
        outcome = self._outcome(checkout, result, callback.get("ResultDesc"), {"callback": callback})
        if outcome.state != "succeeded":
            return outcome
        metadata = callback.get("CallbackMetadata")
        listed = metadata.get("Item") if isinstance(metadata, dict) else None
        if not isinstance(listed, list):
            raise ValueError("a successful callback without a CallbackMetadata.Item list")
        items = {item.get("Name"): item.get("Value") for item in listed if isinstance(item, dict)}
        try:
            amount = provider_amount(items["Amount"], "Amount")
            receipt = provider_id(items["MpesaReceiptNumber"], "MpesaReceiptNumber")
        except KeyError as exc:
            raise ValueError("a successful callback without Amount or MpesaReceiptNumber") from exc
        details = {
            "callback": callback,
            "phone": str(items.get("PhoneNumber", ""))[:20],
            "transaction_date": str(items.get("TransactionDate", ""))[:20],
        }
        return Outcome(checkout, "succeeded", amount=amount, receipt=receipt, details=details)

    # Internals -------------------------------------------------------------------------------

    @staticmethod
    def _outcome(checkout: str, result: Any, description: Any, details: dict[str, Any]) -> Outcome:
        text = str(result).strip() if isinstance(result, int | str) and not isinstance(result, bool) else ""
        if not _RESULT_CODE.fullmatch(text):
            raise ValueError("ResultCode is not a number")
        code = int(text)
        if code == SUCCESS:
            return Outcome(checkout, "succeeded", details=details)
        state = "cancelled" if code == CANCELLED_BY_USER else "failed"
        failure = FAILURE_CODES.get(code, f"mpesa_{code}")
        return Outcome(checkout, state, code=failure, reason=str(description or "")[:300], details=details)

    def _post(self, path: str, payload: dict[str, Any]) -> tuple[dict[str, Any], int]:
        headers = {"Authorization": f"Bearer {self.token()}", "Content-Type": "application/json"}
        try:
            response = send(
                "POST", f"{self.base}{path}", json=payload, headers=headers, timeout=self.timeout, at_once=self.at_once
            )
        except requests.RequestException as exc:
            raise ProviderError(f"M-Pesa unreachable: {type(exc).__name__}") from None
        if response.status_code == 401:
            tokens.forget(self._token_key)  # revoked or expired early: the next call fetches a new one
        return self._json(response, path), response.status_code

    @staticmethod
    def _json(response: requests.Response, what: str) -> dict[str, Any]:
        try:
            body = response.json()
        except ValueError:
            raise ProviderError(f"M-Pesa {what}: not JSON (HTTP {response.status_code})") from None
        if not isinstance(body, dict):
            raise ProviderError(f"M-Pesa {what}: unexpected answer (HTTP {response.status_code})")
        return body
