"""PayPal, played locally: OAuth, Orders v2 (create, get, capture), capture refunds and
verify-webhook-signature, with PayPal's paths, fields and errors; and the page the `payer-action`
link opens, where a person approves or cancels, then goes back to the order's return or cancel
URL. A capture posts PAYMENT.CAPTURE.COMPLETED (a refund PAYMENT.CAPTURE.REFUNDED) to the app's
webhook with PayPal's transmission headers; `verify-webhook-signature` checks them against this
sandbox's key, over the event exactly as it was sent (its CRC32), as PayPal checks its own.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import uuid
import zlib
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, Response, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue

from app.common.urls import public_url
from app.sandbox import store
from app.sandbox.wire import answer, basic_is, bearer_is, body, decision_page, token_for, with_query

NAME = "paypal"
bp = Blueprint("sandbox_paypal", __name__)

CLIENT_ID, CLIENT_SECRET = "sandbox-paypal-client-id", "sandbox-paypal-client-secret"
WEBHOOK_ID = "WH-DUKA-SANDBOX"
SIGNING_KEY = b"duka-sandbox-paypal-transmissions"
DEFAULT_RATE = "130.00"  # KES per USD when PAYPAL_FX_RATE is unset


def stand_in(config: dict[str, Any], base: str) -> bool:
    if config.get("PAYPAL_CLIENT_ID") and config.get("PAYPAL_CLIENT_SECRET"):
        return False
    config.update(
        PAYPAL_BASE_URL=base,
        PAYPAL_CLIENT_ID=CLIENT_ID,
        PAYPAL_CLIENT_SECRET=CLIENT_SECRET,
        PAYPAL_WEBHOOK_ID=WEBHOOK_ID,
        PAYPAL_FX_RATE=config.get("PAYPAL_FX_RATE") or DEFAULT_RATE,
    )
    return True


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _id(prefix: str = "") -> str:
    alphabet = "ABCDEFGHJKLMNPRSTUVWXY0123456789"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(17 - len(prefix)))


def _problem(status: int, name: str, issue: str, description: str) -> Response:
    return answer(
        status,
        {
            "name": name,
            "message": description,
            "debug_id": secrets.token_hex(6),
            "details": [{"issue": issue, "description": description}],
        },
    )


def _authorised() -> bool:
    config = current_app.config
    return bearer_is(token_for(str(config["PAYPAL_CLIENT_ID"]), str(config["PAYPAL_CLIENT_SECRET"])))


def _unauthorised() -> Response:
    return answer(401, {"error": "invalid_token", "error_description": "Token signature verification failed"})


@bp.post("/v1/oauth2/token")
def oauth() -> Response:
    config = current_app.config
    client, secret = str(config["PAYPAL_CLIENT_ID"]), str(config["PAYPAL_CLIENT_SECRET"])
    if request.form.get("grant_type") != "client_credentials" or not basic_is(client, secret):
        return answer(401, {"error": "invalid_client", "error_description": "Client Authentication failed"})
    return answer(
        200,
        {
            "scope": "https://uri.paypal.com/services/payments/payment",
            "access_token": token_for(client, secret),
            "token_type": "Bearer",
            "app_id": "APP-DUKASANDBOX",
            "expires_in": 32400,
            "nonce": f"{_now()}{secrets.token_hex(8)}",
        },
    )


def _replayed(kind: str) -> Response | None:
    """PayPal-Request-Id: the same id again gets the first answer."""
    request_id = request.headers.get("PayPal-Request-Id")
    found = store.load(NAME, f"request:{kind}:{request_id}") if request_id else None
    return answer(found["status"], found["body"]) if found else None


def _remember(kind: str, status: int, payload: dict[str, Any]) -> Response:
    request_id = request.headers.get("PayPal-Request-Id")
    if request_id:
        store.save(NAME, f"request:{kind}:{request_id}", {"status": status, "body": payload})
    return answer(status, payload)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _amount(unit: dict[str, Any]) -> tuple[str, Decimal] | None:
    money = _object(unit.get("amount"))
    try:
        value = Decimal(str(money.get("value")))
    except InvalidOperation:
        return None
    currency = money.get("currency_code")
    if not isinstance(currency, str) or len(currency) != 3 or not value.is_finite() or value <= 0:
        return None
    return currency, value


def _order_body(record: dict[str, Any]) -> dict[str, Any]:
    unit: dict[str, Any] = {
        "reference_id": record["reference_id"],
        "custom_id": record["custom_id"],
        "invoice_id": record["invoice_id"],
        "amount": {"currency_code": record["currency"], "value": record["value"]},
    }
    if record.get("capture"):
        unit["payments"] = {"captures": [record["capture"]]}
    links = [{"href": public_url("sandbox_paypal.get_order", order_id=record["id"]), "rel": "self", "method": "GET"}]
    if record["status"] in ("PAYER_ACTION_REQUIRED", "CREATED"):
        links.append(
            {"href": with_query(public_url("sandbox_paypal.approve"), token=record["id"]), "rel": "payer-action"}
        )
    return {"id": record["id"], "status": record["status"], "purchase_units": [unit], "links": links}


@bp.post("/v2/checkout/orders")
def create_order() -> Response:
    if not _authorised():
        return _unauthorised()
    replay = _replayed("create")
    if replay is not None:
        return replay
    payload = body() or {}
    units = payload.get("purchase_units")
    unit = _object(units[0]) if isinstance(units, list) and units else {}
    money = _amount(unit)
    if payload.get("intent") != "CAPTURE" or money is None:
        return _problem(422, "UNPROCESSABLE_ENTITY", "INVALID_PARAMETER_VALUE", "The order is not valid.")
    context = _object(_object(_object(payload.get("payment_source")).get("paypal")).get("experience_context"))
    record: dict[str, Any] = {
        "created": time.time(),
        "id": _id(),
        "status": "PAYER_ACTION_REQUIRED",
        "reference_id": str(unit.get("reference_id") or "default"),
        "custom_id": str(unit.get("custom_id") or ""),
        "invoice_id": str(unit.get("invoice_id") or ""),
        "currency": money[0],
        "value": str(money[1]),
        "return_url": str(context.get("return_url") or ""),
        "cancel_url": str(context.get("cancel_url") or ""),
        "capture": None,
    }
    store.create(NAME, record["id"], record)
    return _remember("create", 200, _order_body(record))


@bp.route("/checkoutnow", methods=["GET", "POST"])
def approve() -> ResponseReturnValue:
    """The page a buyer approves a PayPal order on (`payer-action`)."""
    record = store.load(NAME, str(request.args.get("token") or ""))
    if record is None:
        return Response("This PayPal order does not exist.", status=404, mimetype="text/plain")
    if request.method == "GET":
        return decision_page(
            "PayPal",
            {
                "Amount": f"{record['currency']} {record['value']}",
                "Invoice": record["invoice_id"],
                "Buyer": "sandbox buyer (sb-buyer@personal.example.com)",
                "Status": record["status"],
            },
            {"approve": "Pay now", "cancel": "Cancel and return"},
        )
    if request.form.get("outcome") == "approve" and record["status"] == "PAYER_ACTION_REQUIRED":
        record["status"] = "APPROVED"
        store.save(NAME, record["id"], record)
        back = record["return_url"] or url_for("sandbox_paypal.approve", token=record["id"])
        return redirect(with_query(back, token=record["id"], PayerID="DUKASANDBOXPAYER"), code=303)
    back = record["cancel_url"] or url_for("sandbox_paypal.approve", token=record["id"])
    return redirect(with_query(back, token=record["id"]), code=303)


@bp.get("/v2/checkout/orders/<order_id>")
def get_order(order_id: str) -> Response:
    if not _authorised():
        return _unauthorised()
    record = store.load(NAME, order_id)
    if record is None:
        return _problem(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
    return answer(200, _order_body(record))


@bp.post("/v2/checkout/orders/<order_id>/capture")
def capture(order_id: str) -> Response:
    if not _authorised():
        return _unauthorised()
    replay = _replayed("capture")
    if replay is not None:
        return replay
    record = store.load(NAME, order_id)
    if record is None:
        return _problem(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
    if record["status"] == "COMPLETED":
        return _problem(422, "UNPROCESSABLE_ENTITY", "ORDER_ALREADY_CAPTURED", "Order already captured.")
    if record["status"] != "APPROVED":
        return _problem(
            422, "UNPROCESSABLE_ENTITY", "ORDER_NOT_APPROVED", "Payer has not yet approved the Order for payment."
        )
    capture_id = _id()
    record["status"] = "COMPLETED"
    record["capture"] = {
        "id": capture_id,
        "status": "COMPLETED",
        "amount": {"currency_code": record["currency"], "value": record["value"]},
        "final_capture": True,
        "custom_id": record["custom_id"],
        "invoice_id": record["invoice_id"],
        "create_time": _now(),
        "update_time": _now(),
        "links": [{"href": public_url("sandbox_paypal.get_order", order_id=order_id), "rel": "up"}],
    }
    record["refunded"] = "0"
    store.save(NAME, order_id, record)
    store.save(NAME, f"capture:{capture_id}", {"order_id": order_id})
    resource = {**record["capture"], "supplementary_data": {"related_ids": {"order_id": order_id}}}
    _webhook("PAYMENT.CAPTURE.COMPLETED", "capture", resource)
    return _remember("capture", 201, _order_body(record))


@bp.post("/v2/payments/captures/<capture_id>/refund")
def refund(capture_id: str) -> Response:
    if not _authorised():
        return _unauthorised()
    replay = _replayed("refund")
    if replay is not None:
        return replay
    order_id = str((store.load(NAME, f"capture:{capture_id}") or {}).get("order_id") or "")
    record = store.load(NAME, order_id) if order_id else None
    if record is None:
        return _problem(404, "RESOURCE_NOT_FOUND", "INVALID_RESOURCE_ID", "Specified resource ID does not exist.")
    left = Decimal(record["value"]) - Decimal(record["refunded"])
    asked = _amount(body() or {})
    value = asked[1] if asked else left
    if not Decimal(0) < value <= left:
        return _problem(
            422, "UNPROCESSABLE_ENTITY", "REFUND_AMOUNT_EXCEEDED", "The refund amount must be less than the capture."
        )
    record["refunded"] = str(Decimal(record["refunded"]) + value)
    store.save(NAME, order_id, record)
    refund_id = _id()
    resource = {
        "id": refund_id,
        "status": "COMPLETED",
        "amount": {"currency_code": record["currency"], "value": str(value)},
        "create_time": _now(),
        "links": [{"href": f"{current_app.config['PAYPAL_BASE_URL']}/v2/payments/captures/{capture_id}", "rel": "up"}],
    }
    _webhook("PAYMENT.CAPTURE.REFUNDED", "refund", resource)
    return _remember("refund", 201, {"id": refund_id, "status": "COMPLETED", "links": resource["links"]})


def _signature(transmission_id: str, transmission_time: str, webhook_id: str, raw: bytes) -> str:
    message = f"{transmission_id}|{transmission_time}|{webhook_id}|{zlib.crc32(raw)}".encode()
    return base64.b64encode(hmac.new(SIGNING_KEY, message, hashlib.sha256).digest()).decode()


def _webhook(kind: str, resource_type: str, resource: dict[str, Any]) -> None:
    event = {
        "id": f"WH-{_id()}",
        "event_version": "1.0",
        "create_time": _now(),
        "resource_type": resource_type,
        "event_type": kind,
        "summary": f"Sandbox {kind}",
        "resource": resource,
    }
    raw = json.dumps(event, indent=1).encode()
    transmission_id, transmission_time = str(uuid.uuid4()), _now()
    headers = {
        "PAYPAL-AUTH-ALGO": "SHA256withRSA",
        "PAYPAL-CERT-URL": public_url("sandbox_paypal.get_order", order_id="certificate"),
        "PAYPAL-TRANSMISSION-ID": transmission_id,
        "PAYPAL-TRANSMISSION-TIME": transmission_time,
        "PAYPAL-TRANSMISSION-SIG": _signature(
            transmission_id, transmission_time, str(current_app.config["PAYPAL_WEBHOOK_ID"]), raw
        ),
    }
    store.deliver_later(public_url("payments.paypal_webhook"), None, headers, raw=raw)


_EVENT = b'"webhook_event":'


@bp.post("/v1/notifications/verify-webhook-signature")
def verify_webhook_signature() -> Response:
    if not _authorised():
        return _unauthorised()
    raw = request.get_data()
    fields = body() or {}
    # The event as the app received it: the bytes after "webhook_event": up to the closing brace.
    start = raw.find(_EVENT)
    event = raw[start + len(_EVENT) :].strip()[:-1].strip() if start >= 0 else b""
    expected = _signature(
        str(fields.get("transmission_id") or ""),
        str(fields.get("transmission_time") or ""),
        str(fields.get("webhook_id") or ""),
        event,
    )
    sent = str(fields.get("transmission_sig") or "")
    authentic = fields.get("webhook_id") == current_app.config["PAYPAL_WEBHOOK_ID"] and hmac.compare_digest(
        sent.encode("utf-8", "surrogatepass"), expected.encode()
    )
    return answer(200, {"verification_status": "SUCCESS" if authentic else "FAILURE"})
