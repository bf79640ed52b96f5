"""Daraja's B2C and Transaction Status APIs, played locally on the M-Pesa sandbox's host (the same
OAuth). The sandbox holds a key pair of its own: its certificate encrypts the initiator's
password (MPESA_CERT_PATH points at it) and its private key decrypts the SecurityCredential of
every request, as Safaricom checks it.

The receiving number (PartyB) chooses what happens:

    254700000001   our float is too low            ResultCode 1      (payouts pause)
    254700002001   the initiator is invalid        ResultCode 2001   (payouts pause)
    254700002040   not a registered customer       ResultCode 2040   (the payout fails)
    254700000003   not an M-Pesa number            ResultCode SFC_IC0003
    254700000099   Safaricom's queue times out     (QueueTimeOutURL; the status query: Completed)
    254700000000   no result ever comes            (the status query: Completed)
    254700000098   no result ever comes            (the status query: Failed)
    any other      paid                            ResultCode 0

Results are posted PAYMENT_SANDBOX_DELAY_SECONDS after the request (or when a test asks). The
status query answers by posting to its own ResultURL what the transaction came to.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
import time
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from flask import Response, current_app

from app.sandbox import store
from app.sandbox.mpesa import _MSISDN, NAIROBI, _error, _receipt, authorised_body, bp
from app.sandbox.wire import answer

NAME = "mpesa-b2c"
B2C_SHORTCODE, INITIATOR, INITIATOR_PASSWORD = "600997", "testapi", "Safaricom999!*!"
RESULTS: dict[str, str] = {
    "0": "The service request is processed successfully.",
    "1": "The balance is insufficient for the transaction.",
    "2001": "The initiator information is invalid.",
    "2040": "Credit Party customer type (Unregistered or Registered Customer) can't be supported by the service.",
    "SFC_IC0003": "The operator does not exist.",
}
OUTCOMES = {"254700000001": "1", "254700002001": "2001", "254700002040": "2040", "254700000003": "SFC_IC0003"}
QUEUE_TIMEOUT, SILENT_PAID, SILENT_FAILED = "254700000099", "254700000000", "254700000098"


def stand_in(config: dict[str, Any]) -> bool:
    """Point the B2C settings at this sandbox unless a real initiator is set: a key pair made once
    under PAYMENT_SANDBOX_DIR, its certificate as MPESA_CERT_PATH."""
    if config.get("MPESA_B2C_SHORTCODE") and config.get("MPESA_INITIATOR_NAME") and config.get("MPESA_CERT_PATH"):
        return False
    root = Path(config["PAYMENT_SANDBOX_DIR"])
    root.mkdir(parents=True, exist_ok=True)
    certificate = root / "b2c-certificate.pem"
    if not certificate.is_file() or not (root / "b2c-key.pem").is_file():
        make_key_pair(root)
    config.update(
        MPESA_B2C_SHORTCODE=B2C_SHORTCODE,
        MPESA_INITIATOR_NAME=INITIATOR,
        MPESA_INITIATOR_PASSWORD=INITIATOR_PASSWORD,
        MPESA_CERT_PATH=str(certificate),
    )
    return True


def make_key_pair(root: Path) -> Path:
    """A key pair for B2C credentials under `root` (b2c-key.pem, b2c-certificate.pem, the
    certificate a self-signed X.509 one as Safaricom's is); returns the certificate's path."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Duka payment sandbox (not Safaricom)")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    (root / "b2c-key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (root / "b2c-certificate.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return root / "b2c-certificate.pem"


def _credential_ok(credential: Any) -> bool:
    """The SecurityCredential decrypts, with the sandbox's private key, to the initiator's password."""
    try:
        key: Any = serialization.load_pem_private_key(
            (Path(current_app.config["PAYMENT_SANDBOX_DIR"]) / "b2c-key.pem").read_bytes(), password=None
        )
        plain = key.decrypt(base64.b64decode(str(credential), validate=True), padding.PKCS1v15())
    except (ValueError, TypeError, OSError):
        return False
    return bool(plain.decode(errors="replace") == str(current_app.config["MPESA_INITIATOR_PASSWORD"]))


def _url_ok(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://")) and len(value) <= 500


def _invalid(payload: dict[str, Any]) -> str | None:
    """What Daraja would call invalid in a B2C request, or None."""
    if payload.get("InitiatorName") != current_app.config["MPESA_INITIATOR_NAME"]:
        return "InitiatorName"
    if not _credential_ok(payload.get("SecurityCredential")):
        return "SecurityCredential"
    if payload.get("CommandID") not in ("BusinessPayment", "SalaryPayment", "PromotionPayment"):
        return "CommandID"
    amount = payload.get("Amount")
    if isinstance(amount, bool) or not isinstance(amount, int | str) or not str(amount).isdigit():
        return "Amount"
    if str(payload.get("PartyA")) != str(current_app.config["MPESA_B2C_SHORTCODE"]):
        return "PartyA"
    if not _MSISDN.match(str(payload.get("PartyB") or "")):
        return "PartyB"
    if not 2 <= len(str(payload.get("Remarks") or "")) <= 100:
        return "Remarks"
    for name in ("QueueTimeOutURL", "ResultURL"):
        if not _url_ok(payload.get(name)):
            return name
    originator = payload.get("OriginatorConversationID")
    if not isinstance(originator, str) or not 1 <= len(originator) <= 64:
        return "OriginatorConversationID"
    return None


@bp.post("/mpesa/b2c/v3/paymentrequest")
def b2c_payment() -> Response:
    payload = authorised_body()
    if isinstance(payload, Response):
        return payload
    wrong = _invalid(payload)
    if wrong is not None:
        return _error(400, "400.002.02", f"Bad Request - Invalid {wrong}")
    amount = int(payload["Amount"])
    if not 10 <= amount <= 250_000:
        result = "2" if amount < 10 else "3"
    else:
        result = OUTCOMES.get(str(payload["PartyB"]), "0")
    originator = str(payload["OriginatorConversationID"])
    conversation = f"AG_{dt.datetime.now(NAIROBI):%Y%m%d}_{secrets.token_hex(10)}"
    record = {
        "created": time.time(),
        "originator": originator,
        "conversation": conversation,
        "transaction": _receipt(),
        "amount": amount,
        "phone": str(payload["PartyB"]),
        "result": result,
    }
    if not store.create(NAME, originator, record):
        return _error(500, "500.002.1001", "Duplicate OriginatorConversationID.")
    phone = record["phone"]
    if phone == QUEUE_TIMEOUT:
        store.deliver_later(str(payload["QueueTimeOutURL"]), timeout_body(record))
    elif phone not in (SILENT_PAID, SILENT_FAILED):
        store.deliver_later(str(payload["ResultURL"]), result_body(record))
    return answer(
        200,
        {
            "ConversationID": conversation,
            "OriginatorConversationID": originator,
            "ResponseCode": "0",
            "ResponseDescription": "Accept the service request successfully.",
        },
    )


@bp.post("/mpesa/transactionstatus/v1/query")
def transaction_status() -> Response:
    payload = authorised_body()
    if isinstance(payload, Response):
        return payload
    if payload.get("Initiator") != current_app.config["MPESA_INITIATOR_NAME"] or not _credential_ok(
        payload.get("SecurityCredential")
    ):
        return _error(400, "400.002.02", "Bad Request - Invalid Initiator")
    if payload.get("CommandID") != "TransactionStatusQuery" or not _url_ok(payload.get("ResultURL")):
        return _error(400, "400.002.02", "Bad Request - Invalid CommandID")
    originator = str(payload.get("OriginalConversationID") or payload.get("OriginatorConversationID") or "")
    record = store.load(NAME, originator) if originator else None
    query_id = f"AG_{dt.datetime.now(NAIROBI):%Y%m%d}_{secrets.token_hex(10)}"
    store.deliver_later(str(payload["ResultURL"]), status_body(record, originator, query_id))
    return answer(
        200,
        {
            "OriginatorConversationID": originator,
            "ConversationID": query_id,
            "ResponseCode": "0",
            "ResponseDescription": "Accept the service request successfully.",
        },
    )


def _reference() -> dict[str, Any]:
    return {
        "ReferenceItem": {
            "Key": "QueueTimeoutURL",
            "Value": "https://internalsandbox.safaricom.co.ke/mpesa/b2cresults/v1/submit",
        }
    }


def result_body(record: dict[str, Any]) -> dict[str, Any]:
    """The result Safaricom posts to the ResultURL, as the B2C doc shows it (no parameters on a
    failure)."""
    result: dict[str, Any] = {
        "ResultType": 0,
        "ResultCode": int(record["result"]) if record["result"].isdigit() else record["result"],
        "ResultDesc": RESULTS.get(record["result"], "Declined due to limit rule"),
        "OriginatorConversationID": record["originator"],
        "ConversationID": record["conversation"],
        "TransactionID": record["transaction"],
    }
    if record["result"] == "0":
        result["ResultParameters"] = {
            "ResultParameter": [
                {"Key": "TransactionAmount", "Value": record["amount"]},
                {"Key": "TransactionReceipt", "Value": record["transaction"]},
                {"Key": "ReceiverPartyPublicName", "Value": f"{record['phone']} - SANDBOX RECIPIENT"},
                {
                    "Key": "TransactionCompletedDateTime",
                    "Value": dt.datetime.now(NAIROBI).strftime("%d.%m.%Y %H:%M:%S"),
                },
                {"Key": "B2CUtilityAccountAvailableFunds", "Value": 8959269.60},
                {"Key": "B2CWorkingAccountAvailableFunds", "Value": 1199371.00},
                {"Key": "B2CRecipientIsRegisteredCustomer", "Value": "Y"},
                {"Key": "B2CChargesPaidAccountAvailableFunds", "Value": -1980.00},
            ]
        }
    result["ReferenceData"] = _reference()
    return {"Result": result}


def timeout_body(record: dict[str, Any]) -> dict[str, Any]:
    """What public handlers read from a QueueTimeOutURL post (Daraja documents no sample)."""
    return {
        "Result": {
            "ResultType": 0,
            "ResultCode": 1,
            "ResultDesc": "The request timed out in Safaricom's queue.",
            "OriginatorConversationID": record["originator"],
            "ConversationID": record["conversation"],
            "TransactionID": record["transaction"],
        }
    }


def status_body(record: dict[str, Any] | None, originator: str, query_id: str) -> dict[str, Any]:
    """A Transaction Status result: what the transaction came to, by Key."""
    if record is None:
        return {
            "Result": {
                "ResultType": 0,
                "ResultCode": 2032,
                "ResultDesc": "The transaction was not found.",
                "OriginatorConversationID": originator,
                "ConversationID": query_id,
                "TransactionID": "",
            }
        }
    paid = record["result"] == "0" and record["phone"] != SILENT_FAILED
    return {
        "Result": {
            "ResultType": 0,
            "ResultCode": 0,
            "ResultDesc": "The service request is processed successfully.",
            "OriginatorConversationID": originator,
            "ConversationID": query_id,
            "TransactionID": record["transaction"],
            "ResultParameters": {
                "ResultParameter": [
                    {"Key": "DebitPartyName", "Value": f"{B2C_SHORTCODE} - Duka"},
                    {"Key": "CreditPartyName", "Value": f"{record['phone']} - SANDBOX RECIPIENT"},
                    {"Key": "OriginatorConversationID", "Value": originator},
                    {"Key": "InitiatedTime", "Value": int(dt.datetime.now(NAIROBI).strftime("%Y%m%d%H%M%S"))},
                    {"Key": "DebitAccountType", "Value": "Utility Account"},
                    {"Key": "DebitPartyCharges", "Value": "Fee For B2C Payment|KES|22.40"},
                    {"Key": "TransactionReason"},
                    {"Key": "ReasonType", "Value": "Business Payment to Customer via API"},
                    {"Key": "TransactionStatus", "Value": "Completed" if paid else "Failed"},
                    {"Key": "FinalisedTime", "Value": int(dt.datetime.now(NAIROBI).strftime("%Y%m%d%H%M%S"))},
                    {"Key": "Amount", "Value": record["amount"]},
                    {"Key": "ConversationID", "Value": record["conversation"]},
                    {"Key": "ReceiptNo", "Value": record["transaction"]},
                ]
            },
            "ReferenceData": {"ReferenceItem": {"Key": "Occasion"}},
        }
    }
