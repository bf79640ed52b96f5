"""Safaricom Daraja: Business to Customer (B2C) payments and the Transaction Status query.

    POST {base}/mpesa/b2c/v3/paymentrequest          Bearer token (the same OAuth as STK Push)
    POST {base}/mpesa/transactionstatus/v1/query     Bearer token

Both answer at once with an acknowledgement only; the outcome reaches the ResultURL later (or the
QueueTimeOutURL when Safaricom's queue timed out, which does not mean the money did not move).
`OriginatorConversationID` is ours, unique per disbursement: a retry after an unclear answer is
never a second payment, and a lost result is asked after by it, never sent again. The initiator's
password travels encrypted with Safaricom's certificate (RSA, PKCS#1 v1.5, base64): the
SecurityCredential. Result parameters are looked up by `Key`, never by position.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from app.payments.gateways import ProviderError, ProviderRejection, provider_amount, provider_id
from app.payments.gateways.mpesa import MpesaGateway, msisdn

MIN_AMOUNT, MAX_AMOUNT = Decimal(10), Decimal(250_000)  # KES per B2C transaction (B2C FAQ 9)
DUPLICATE_ORIGINATOR = "500.002.1001"  # "Duplicate OriginatorConversationID.": we sent it before

# ResultCode -> what it means for a payout (B2C doc, "Result Codes").
SETUP_FAILURES = {
    "1": "the B2C account's float is too low",
    "4": "the shortcode's daily transfer limit is reached",
    "11": "the B2C shortcode's account is not active",
    "2006": "the B2C shortcode's account status does not allow it",
    "21": "the initiator is not allowed to initiate B2C",
    "2001": "the initiator's name, password or certificate is wrong",
    "2028": "the shortcode's product does not allow B2C",
    "8006": "the initiator's security credential is locked",
}
RECIPIENT_FAILURES = {
    "2": "below the smallest amount M-Pesa pays out",
    "3": "above the largest amount M-Pesa pays out",
    "8": "the number's M-Pesa account would exceed its maximum balance",
    "2040": "the number is not a registered M-Pesa customer",
    "SFC_IC0003": "the number is not an M-Pesa number",
}


def security_credential(password: str, certificate_pem: bytes) -> str:
    """The initiator's password encrypted with Safaricom's public key certificate (RSA, PKCS#1
    v1.5 padding, as Daraja requires), base64. Random padding: different every time."""
    key: Any
    try:
        key = x509.load_pem_x509_certificate(certificate_pem).public_key()
    except ValueError:
        key = serialization.load_pem_public_key(certificate_pem)  # a bare public key also does
    if not isinstance(key, rsa.RSAPublicKey):
        raise ProviderError("MPESA_CERT_PATH does not hold an RSA certificate")
    return base64.b64encode(key.encrypt(password.encode(), padding.PKCS1v15())).decode()


@dataclass(frozen=True, slots=True)
class Submitted:
    """Daraja accepted a request; its outcome comes to the ResultURL."""

    originator_id: str
    conversation_id: str | None
    description: str


@dataclass(frozen=True, slots=True)
class B2CResult:
    """A result (or timeout) posted to our URL, read by key."""

    originator_id: str
    conversation_id: str | None
    transaction_id: str | None
    final: bool  # ResultType 0; 1 is "waiting for further messages"
    code: str  # "0", "2001", "SFC_IC0003"...
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.code == "0"

    @property
    def setup_failure(self) -> bool:
        return self.code in SETUP_FAILURES

    @property
    def reason(self) -> str:
        return SETUP_FAILURES.get(self.code) or RECIPIENT_FAILURES.get(self.code) or self.description[:300]


class B2CGateway(MpesaGateway):
    """B2C disbursements from the MPESA_B2C_* shortcode, with the Daraja OAuth of STK Push."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__(config)
        self.b2c_shortcode = str(config.get("MPESA_B2C_SHORTCODE") or "")
        self.initiator = str(config.get("MPESA_INITIATOR_NAME") or "")
        self.initiator_password = str(config.get("MPESA_INITIATOR_PASSWORD") or "")
        self.cert_path = str(config.get("MPESA_CERT_PATH") or "")

    @classmethod
    def of_app(cls) -> B2CGateway:
        from flask import current_app

        return cls(current_app.config)

    @property
    def configured(self) -> bool:
        return bool(
            self.key and self.secret and self.b2c_shortcode and self.initiator and self.initiator_password
        ) and bool(self.cert_path and Path(self.cert_path).is_file())

    def credential(self) -> str:
        return security_credential(self.initiator_password, Path(self.cert_path).read_bytes())

    def pay(
        self, originator_id: str, phone: str, amount: Decimal, remarks: str, result_url: str, timeout_url: str
    ) -> Submitted:
        """Ask Daraja to pay `amount` whole shillings to `phone` (BusinessPayment). Raises
        ProviderRejection when Daraja refused the request itself (nothing was paid), and
        ProviderError when the answer is unclear (a 5xx, a timeout, our id seen before): the
        payment may or may not happen, and only the status query can tell."""
        payload = {
            "OriginatorConversationID": originator_id,
            "InitiatorName": self.initiator,
            "SecurityCredential": self.credential(),
            "CommandID": "BusinessPayment",
            "Amount": int(amount),
            "PartyA": self.b2c_shortcode,
            "PartyB": msisdn(phone),
            "Remarks": remarks[:100] if len(remarks) >= 2 else "Payout",
            "QueueTimeOutURL": timeout_url,
            "ResultURL": result_url,
        }
        body, status = self._post("/mpesa/b2c/v3/paymentrequest", payload)
        return self._acknowledged(originator_id, body, status, "B2C payment")

    def ask_status(self, originator_id: str, result_url: str, timeout_url: str) -> Submitted:
        """Ask where a disbursement stands (TransactionStatusQuery, by our OriginatorConversationID;
        the answer comes to `result_url`). Daraja's doc names the key OriginalConversationID, an SDK
        OriginatorConversationID: both are sent."""
        payload = {
            "Initiator": self.initiator,
            "SecurityCredential": self.credential(),
            "CommandID": "TransactionStatusQuery",
            "TransactionID": "",
            "OriginalConversationID": originator_id,
            "OriginatorConversationID": originator_id,
            "PartyA": self.b2c_shortcode,
            "IdentifierType": "4",
            "ResultURL": result_url,
            "QueueTimeOutURL": timeout_url,
            "Remarks": "Payout status",
            "Occasion": "Payout status",
        }
        body, status = self._post("/mpesa/transactionstatus/v1/query", payload)
        return self._acknowledged(originator_id, body, status, "transaction status query")

    @staticmethod
    def _acknowledged(originator_id: str, body: dict[str, Any], status: int, what: str) -> Submitted:
        if status == 200 and str(body.get("ResponseCode")) == "0":
            conversation = body.get("ConversationID")
            return Submitted(
                originator_id,
                provider_id(conversation, "ConversationID") if conversation else None,
                str(body.get("ResponseDescription") or "")[:200],
            )
        code = str(body.get("errorCode") or "")
        if 400 <= status < 500 and code:
            raise ProviderRejection(code, str(body.get("errorMessage") or "Refused")[:200])
        raise ProviderError(f"M-Pesa {what}: unclear answer (HTTP {status}{', ' + code if code else ''})")

    @staticmethod
    def parse_result(body: Any) -> B2CResult:
        """A B2C (or status query) result or timeout body: `{"Result": {...}}`. ValueError for
        anything that is not one."""
        try:
            result = body["Result"]
            originator = provider_id(result["OriginatorConversationID"], "OriginatorConversationID")
            code = result["ResultCode"]
        except (KeyError, TypeError) as exc:
            raise ValueError("not a B2C result") from exc
        if isinstance(code, bool) or not isinstance(code, int | str) or not str(code).strip():
            raise ValueError("ResultCode is not a code")
        code_text = provider_id(str(code).strip(), "ResultCode")
        raw = (result.get("ResultParameters") or {}).get("ResultParameter") or []
        if isinstance(raw, dict):  # one parameter comes as an object, not a list
            raw = [raw]
        if not isinstance(raw, list):
            raise ValueError("ResultParameters.ResultParameter is not a list")
        parameters = {str(item["Key"]): item.get("Value") for item in raw if isinstance(item, dict) and "Key" in item}
        conversation = result.get("ConversationID")
        transaction = result.get("TransactionID")
        return B2CResult(
            originator_id=originator,
            conversation_id=provider_id(conversation, "ConversationID") if conversation else None,
            transaction_id=provider_id(transaction, "TransactionID") if transaction else None,
            final=str(result.get("ResultType", 0)) == "0",
            code="0" if code_text.isdigit() and int(code_text) == 0 else code_text,
            description=str(result.get("ResultDesc") or "")[:300],
            parameters=parameters,
        )


def paid_amount(result: B2CResult) -> Decimal | None:
    """`TransactionAmount` (a B2C result) or `Amount` (a status query's), if reported."""
    value = result.parameters.get("TransactionAmount", result.parameters.get("Amount"))
    return provider_amount(value, "TransactionAmount") if value is not None else None
