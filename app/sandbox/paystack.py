"""Paystack, played locally: initialize, verify and refund with Paystack's paths, fields and
answers, and the page `authorization_url` opens, where a person pays or declines. Paying posts
`charge.success` to the app's webhook, signed as Paystack signs (HMAC-SHA512 of the raw body
with the secret key), then sends the browser to the `callback_url` with `reference`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue

from app.common.urls import public_url
from app.sandbox import store
from app.sandbox.wire import answer, bearer_is, body, decision_page, with_query

NAME = "paystack"
bp = Blueprint("sandbox_paystack", __name__)

SECRET_KEY = "sk_test_duka_sandbox_00000000000000000000"


def stand_in(config: dict[str, Any], base: str) -> bool:
    if config.get("PAYSTACK_SECRET_KEY"):
        return False
    config.update(PAYSTACK_BASE_URL=base, PAYSTACK_SECRET_KEY=SECRET_KEY)
    return True


def _secret() -> str:
    return str(current_app.config["PAYSTACK_SECRET_KEY"])


def _refused(status: int, message: str) -> Response:
    return answer(status, {"status": False, "message": message})


def _transaction(record: dict[str, Any]) -> dict[str, Any]:
    """A transaction object as `verify` and the webhook's `data` carry it."""
    return {
        "id": record["id"],
        "domain": "test",
        "status": record["status"],
        "reference": record["reference"],
        "amount": record["amount"],
        "gateway_response": record.get("gateway_response") or "The transaction was not completed",
        "paid_at": record.get("paid_at"),
        "created_at": record["created_at"],
        "channel": "card",
        "currency": record["currency"],
        "metadata": record.get("metadata") or {},
        "customer": {"email": record["email"]},
        "authorization": {"last4": "4081", "channel": "card", "card_type": "visa", "bank": "TEST BANK"},
    }


@bp.post("/transaction/initialize")
def initialize() -> Response:
    if not bearer_is(_secret()):
        return _refused(401, "Invalid key")
    payload = body()
    if payload is None:
        return _refused(400, "Invalid request body")
    amount, reference, email = payload.get("amount"), payload.get("reference"), payload.get("email")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        return _refused(400, "Invalid Amount Sent")
    if not isinstance(email, str) or "@" not in email:
        return _refused(400, "Invalid Email Address Passed")
    if not isinstance(reference, str) or not 1 <= len(reference) <= 100:
        return _refused(400, "Invalid transaction reference")
    code = secrets.token_hex(8)
    record: dict[str, Any] = {
        "created": time.time(),
        "created_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "id": secrets.randbelow(9 * 10**9) + 10**9,
        "reference": reference,
        "access_code": code,
        "amount": amount,
        "currency": str(payload.get("currency") or "NGN"),
        "email": email,
        "callback_url": payload.get("callback_url") if isinstance(payload.get("callback_url"), str) else None,
        "metadata": payload.get("metadata") if isinstance(payload.get("metadata"), dict) else {},
        "status": "abandoned",
        "refunded": 0,
    }
    if not store.create(NAME, reference, record):
        return _refused(400, "Duplicate Transaction Reference")
    store.save(NAME, f"code:{code}", {"reference": reference})
    url = public_url("sandbox_paystack.checkout", access_code=code)
    return answer(
        200,
        {
            "status": True,
            "message": "Authorization URL created",
            "data": {"authorization_url": url, "access_code": code, "reference": reference},
        },
    )


def _by_code(access_code: str) -> dict[str, Any] | None:
    found = store.load(NAME, f"code:{access_code}")
    return store.load(NAME, found["reference"]) if found else None


@bp.route("/checkout/<access_code>", methods=["GET", "POST"])
def checkout(access_code: str) -> ResponseReturnValue:
    """The page a customer pays on (Paystack's checkout, with a test card)."""
    record = _by_code(access_code)
    if record is None:
        return Response("This payment page does not exist.", status=404, mimetype="text/plain")
    if request.method == "GET":
        return decision_page(
            "Paystack",
            {
                "Amount": f"{record['currency']} {Decimal(record['amount']) / 100:.2f}",
                "Email": record["email"],
                "Reference": record["reference"],
                "Card": "4084 0840 8408 4081 (test)",
                "Status": record["status"],
            },
            {"success": "Pay", "failed": "Decline"},
        )
    outcome = request.form.get("outcome")
    if record["status"] == "abandoned" and outcome in ("success", "failed"):
        record["status"] = outcome
        record["gateway_response"] = "Successful" if outcome == "success" else "Declined"
        record["paid_at"] = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        store.save(NAME, record["reference"], record)
        if outcome == "success":
            event = {"event": "charge.success", "data": _transaction(record)}
            raw = json.dumps(event).encode()
            signature = hmac.new(_secret().encode(), raw, hashlib.sha512).hexdigest()
            store.deliver_later(
                public_url("payments.paystack_webhook"), None, {"x-paystack-signature": signature}, raw=raw
            )
    back = record.get("callback_url") or url_for("sandbox_paystack.checkout", access_code=access_code)
    return redirect(with_query(back, trxref=record["reference"], reference=record["reference"]), code=303)


@bp.get("/transaction/verify/<reference>")
def verify(reference: str) -> Response:
    if not bearer_is(_secret()):
        return _refused(401, "Invalid key")
    record = store.load(NAME, reference)
    if record is None:
        return _refused(400, "Transaction reference not found")
    return answer(200, {"status": True, "message": "Verification successful", "data": _transaction(record)})


@bp.post("/refund")
def refund() -> Response:
    if not bearer_is(_secret()):
        return _refused(401, "Invalid key")
    payload = body()
    reference = str((payload or {}).get("transaction") or "")
    record = store.load(NAME, reference)
    if record is None or record["status"] != "success":
        return _refused(400, "Transaction not found or not refundable")
    amount = (payload or {}).get("amount", record["amount"] - record["refunded"])
    if (
        isinstance(amount, bool)
        or not isinstance(amount, int)
        or not 0 < amount <= record["amount"] - record["refunded"]
    ):
        return _refused(400, "Refund amount cannot be greater than transaction amount")
    record["refunded"] += amount
    store.save(NAME, reference, record)
    return answer(
        200,
        {
            "status": True,
            "message": "Refund has been queued for processing",
            "data": {
                "transaction": _transaction(record),
                "id": secrets.randbelow(9 * 10**6) + 10**6,
                "amount": amount,
                "currency": record["currency"],
                "status": "pending",
            },
        },
    )
