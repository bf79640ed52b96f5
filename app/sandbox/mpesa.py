"""Daraja, played locally: OAuth, M-Pesa Express (STK Push) and its Query, with Daraja's paths,
fields, checks and answers.

The phone number chooses what the customer does, like a card network's test numbers:

    0700 000 001   insufficient funds        ResultCode 1
    0700 001 032   cancelled by the user     ResultCode 1032
    0700 001 037   phone unreachable         ResultCode 1037
    0700 002 001   wrong PIN                 ResultCode 2001
    0700 000 000   pays, but no callback ever comes (the STK Query finds the success)
    any other      pays                      ResultCode 0

The callback is posted PAYMENT_SANDBOX_DELAY_SECONDS after the push; until then the STK Query
answers "The transaction is being processed", as Daraja does while the prompt is open.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Blueprint, Response, current_app, request

from app.sandbox import store
from app.sandbox.wire import answer, basic_is, bearer_is, body, token_for

NAME = "mpesa"
bp = Blueprint("sandbox_mpesa", __name__)

CONSUMER_KEY, CONSUMER_SECRET = "sandbox-consumer-key", "sandbox-consumer-secret"
SHORTCODE = "174379"
# Safaricom's published passkey for its test paybill 174379.
PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
NAIROBI = timezone(timedelta(hours=3))

NO_CALLBACK = "254700000000"
RESULTS: dict[int, str] = {
    0: "The service request is processed successfully.",
    1: "The balance is insufficient for the transaction.",
    1032: "Request cancelled by user",
    1037: "DS timeout user cannot be reached",
    2001: "The initiator information is invalid.",
}
OUTCOMES = {"254700000001": 1, "254700001032": 1032, "254700001037": 1037, "254700002001": 2001}
_MSISDN = re.compile(r"^254[17]\d{8}$")


def stand_in(config: dict[str, Any], base: str) -> bool:
    """Point the M-Pesa settings at this sandbox unless real credentials are set."""
    if config.get("MPESA_CONSUMER_KEY") and config.get("MPESA_CONSUMER_SECRET") and config.get("MPESA_PASSKEY"):
        return False
    config.update(
        MPESA_BASE_URL=base,
        MPESA_CONSUMER_KEY=CONSUMER_KEY,
        MPESA_CONSUMER_SECRET=CONSUMER_SECRET,
        MPESA_SHORTCODE=SHORTCODE,
        MPESA_PASSKEY=PASSKEY,
    )
    return True


def _credentials() -> tuple[str, str]:
    return str(current_app.config["MPESA_CONSUMER_KEY"]), str(current_app.config["MPESA_CONSUMER_SECRET"])


def _error(status: int, code: str, message: str) -> Response:
    return answer(status, {"requestId": secrets.token_hex(8), "errorCode": code, "errorMessage": message})


@bp.get("/oauth/v1/generate")
def oauth() -> Response:
    if request.args.get("grant_type") != "client_credentials":
        return _error(400, "400.008.02", "Invalid grant type passed")
    if not basic_is(*_credentials()):
        return _error(400, "400.008.01", "Invalid Authentication passed")
    return answer(200, {"access_token": token_for(*_credentials()), "expires_in": "3599"})


def _authorised() -> bool:
    return bearer_is(token_for(*_credentials()))


def authorised_body() -> dict[str, Any] | Response:
    """The JSON object a request to Daraja carries, with a valid token; Daraja's error otherwise."""
    if not _authorised():
        return _error(401, "404.001.03", "Invalid Access Token")
    payload = body()
    if payload is None:
        return _error(400, "400.002.05", "Invalid Request Payload")
    return payload


def _password_ok(payload: dict[str, Any]) -> bool:
    stamp = str(payload.get("Timestamp") or "")
    shortcode = str(payload.get("BusinessShortCode") or "")
    passkey = str(current_app.config["MPESA_PASSKEY"])
    expected = base64.b64encode(f"{shortcode}{passkey}{stamp}".encode()).decode()
    return bool(re.fullmatch(r"\d{14}", stamp)) and payload.get("Password") == expected


def _invalid(payload: dict[str, Any]) -> str | None:
    """What Daraja would call invalid in an STK push body, or None."""
    if str(payload.get("BusinessShortCode")) != str(current_app.config["MPESA_SHORTCODE"]):
        return "BusinessShortCode"
    if not _password_ok(payload):
        return "Password"
    if payload.get("TransactionType") not in ("CustomerPayBillOnline", "CustomerBuyGoodsOnline"):
        return "TransactionType"
    amount = payload.get("Amount")
    if isinstance(amount, bool) or not isinstance(amount, int | str) or not str(amount).isdigit():
        return "Amount"
    if not 1 <= int(amount) <= 250_000:
        return "Amount"
    for name in ("PartyA", "PhoneNumber"):
        if not _MSISDN.match(str(payload.get(name) or "")):
            return name
    url = payload.get("CallBackURL")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")) or len(url) > 500:
        return "CallBackURL"
    if not str(payload.get("AccountReference") or "") or len(str(payload["AccountReference"])) > 12:
        return "AccountReference"
    if len(str(payload.get("TransactionDesc") or "")) > 13:
        return "TransactionDesc"
    return None


@bp.post("/mpesa/stkpush/v1/processrequest")
def stk_push() -> Response:
    payload = authorised_body()
    if isinstance(payload, Response):
        return payload
    wrong = _invalid(payload)
    if wrong is not None:
        return _error(400, "400.002.02", f"Bad Request - Invalid {wrong}")
    now = datetime.now(NAIROBI)
    checkout = f"ws_CO_{now:%d%m%Y%H%M%S}{secrets.randbelow(10**9):09d}"
    merchant = f"{secrets.randbelow(90000) + 10000}-{secrets.randbelow(10**8):08d}-1"
    phone = str(payload["PhoneNumber"])
    record = {
        "created": time.time(),
        "checkout": checkout,
        "merchant": merchant,
        "amount": int(payload["Amount"]),
        "phone": phone,
        "result": OUTCOMES.get(phone, 0),
        "receipt": _receipt(),
    }
    store.create(NAME, checkout, record)
    if phone != NO_CALLBACK:
        store.deliver_later(str(payload["CallBackURL"]), callback_body(record))
    return answer(
        200,
        {
            "MerchantRequestID": merchant,
            "CheckoutRequestID": checkout,
            "ResponseCode": "0",
            "ResponseDescription": "Success. Request accepted for processing",
            "CustomerMessage": "Success. Request accepted for processing",
        },
    )


@bp.post("/mpesa/stkpushquery/v1/query")
def stk_query() -> Response:
    payload = authorised_body()
    if isinstance(payload, Response):
        return payload
    if str(payload.get("BusinessShortCode")) != str(current_app.config["MPESA_SHORTCODE"]) or not _password_ok(payload):
        return _error(400, "400.002.02", "Bad Request - Invalid Password")
    record = store.load(NAME, str(payload.get("CheckoutRequestID") or ""))
    if record is None:
        return _error(400, "400.002.02", "Bad Request - Invalid CheckoutRequestID")
    if store.age(record) < store.sandbox().delay:
        return _error(500, "500.001.1001", "The transaction is being processed")
    return answer(
        200,
        {
            "ResponseCode": "0",
            "ResponseDescription": "The service request has been accepted successsfully",
            "MerchantRequestID": record["merchant"],
            "CheckoutRequestID": record["checkout"],
            "ResultCode": str(record["result"]),
            "ResultDesc": RESULTS[record["result"]],
        },
    )


def callback_body(record: dict[str, Any]) -> dict[str, Any]:
    """The callback Safaricom posts for this push, as Daraja documents it."""
    callback: dict[str, Any] = {
        "MerchantRequestID": record["merchant"],
        "CheckoutRequestID": record["checkout"],
        "ResultCode": record["result"],
        "ResultDesc": RESULTS[record["result"]],
    }
    if record["result"] == 0:
        callback["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": record["amount"]},
                {"Name": "MpesaReceiptNumber", "Value": record["receipt"]},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": int(datetime.now(NAIROBI).strftime("%Y%m%d%H%M%S"))},
                {"Name": "PhoneNumber", "Value": int(record["phone"])},
            ]
        }
    return {"Body": {"stkCallback": callback}}


def _receipt() -> str:
    """An M-Pesa receipt number's shape: ten capitals and digits."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "S" + "".join(secrets.choice(alphabet) for _ in range(9))
