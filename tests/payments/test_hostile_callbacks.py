"""Provider bodies that pass authentication (the M-Pesa path secret, a valid Paystack signature,
a delivery PayPal verifies) and are still malformed: each is answered with a 4xx or the
acknowledgement the provider needs, is kept in the event log, and changes nothing. Before, each
was a 500 that rolled its own log back."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.orders.models import Order
from app.payments.models import Payment, PaymentEvent
from tests.payments.conftest import order_of_1500
from tests.payments.test_mpesa import CALLBACK, CHECKOUT_ID, PUSH_URL, accepted, push, success_callback
from tests.payments.test_paypal import CAPTURE_ID, SIGNED, capture_resource, deliver, start, webhook_event
from tests.payments.test_paystack import SECRET_KEY, _start, _transaction
from tests.payments.test_paystack import WEBHOOK as PAYSTACK_WEBHOOK

DEEP = b'{"Body": ' + b"[" * 5000 + b"]" * 5000 + b"}"


def _events() -> list[PaymentEvent]:
    return list(db.session.scalars(select(PaymentEvent).order_by(PaymentEvent.id)))


def _unchanged(order: dict) -> None:
    assert db.session.get(Order, order["id"]).status == "pending_payment"
    assert {p.status for p in db.session.scalars(select(Payment))} == {"pending"}


def _with_amount(raw_amount: str) -> bytes:
    """A success callback whose Amount is written as given (NaN, Infinity, 1e400 are no JSON)."""
    return json.dumps(success_callback()).replace('"Value": 1500', f'"Value": {raw_amount}', 1).encode()


def _item_amount(value) -> dict:
    body = success_callback()
    body["Body"]["stkCallback"]["CallbackMetadata"]["Item"][0]["Value"] = value
    return body


def _callback_with(**changes) -> dict:
    body = success_callback()
    body["Body"]["stkCallback"].update(changes)
    return body


MPESA_BODIES = {
    "deep nesting": DEEP,
    "Amount NaN": _with_amount("NaN"),
    "Amount Infinity": _with_amount("Infinity"),
    "Amount 1e400": _with_amount("1e400"),
    "Amount 'NaN'": json.dumps(_item_amount("NaN")).encode(),
    "Amount negative": json.dumps(_item_amount(-1500)).encode(),
    "Amount an object": json.dumps(_item_amount({"x": 1})).encode(),
    "CallbackMetadata a string": json.dumps(_callback_with(CallbackMetadata="x")).encode(),
    "CallbackMetadata a list": json.dumps(_callback_with(CallbackMetadata=[1, 2])).encode(),
    "Item an object": json.dumps(_callback_with(CallbackMetadata={"Item": {"Name": "Amount"}})).encode(),
    "CheckoutRequestID with NUL": json.dumps(_callback_with(CheckoutRequestID="ws_CO_\u0000")).encode(),
    "CheckoutRequestID of 100k": json.dumps(_callback_with(CheckoutRequestID="w" * 100_000)).encode(),
    "CheckoutRequestID an object": json.dumps(_callback_with(CheckoutRequestID={"a": 1})).encode(),
    "stkCallback a list": b'{"Body": {"stkCallback": [1]}}',
    "ResultCode huge": json.dumps(_callback_with(ResultCode="9" * 5000)).encode(),
    "a raw NUL byte": b'{"Body": {"stkCallback": {"CheckoutRequestID": "\x00"}}}',
}


@pytest.mark.parametrize("body", MPESA_BODIES.values(), ids=MPESA_BODIES.keys())
def test_a_malformed_mpesa_callback_is_422_logged_and_changes_nothing(client, customer, order, daraja, body):
    daraja.post(PUSH_URL, json=accepted())
    assert push(client, customer, order).status_code == 202
    response = client.post(CALLBACK, data=body, content_type="application/json")
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert response.get_json()["code"] == "not_a_callback"
    [event] = _events()
    assert event.outcome.startswith("rejected") and event.payment_id is None
    assert "\x00" not in event.raw_body
    _unchanged(order)


def test_the_same_receipt_for_a_second_mpesa_payment_is_flagged_not_a_500(client, customer, address, zone, daraja):
    first = order_of_1500(client, customer, address, "mpesa")
    second = order_of_1500(client, customer, address, "mpesa")
    daraja.post(PUSH_URL, json=accepted("ws_CO_first"))
    push(client, customer, first)
    daraja.post(PUSH_URL, json=accepted("ws_CO_second"))
    push(client, customer, second)
    assert client.post(CALLBACK, json=success_callback("ws_CO_first", receipt="NLJ7RT61SV")).status_code == 200
    replay = client.post(CALLBACK, json=success_callback("ws_CO_second", receipt="NLJ7RT61SV"))
    assert replay.status_code == 200
    assert db.session.get(Order, first["id"]).status == "paid"
    assert db.session.get(Order, second["id"]).status == "pending_payment"
    flagged = db.session.scalar(select(Payment).where(Payment.provider_reference == "ws_CO_second"))
    assert flagged.status == "pending" and flagged.needs_review and flagged.receipt is None
    assert _events()[-1].outcome == "receipt of another payment: flagged for review"


# Paystack: a valid signature on a malformed event ------------------------------------------


def _paystack(client, body: dict | bytes):
    """A delivery signed with the secret key, as Paystack signs: the HMAC-SHA512 of these bytes."""
    raw = json.dumps(body).encode() if isinstance(body, dict) else body
    signature = hmac.new(SECRET_KEY.encode(), raw, hashlib.sha512).hexdigest()
    return client.post(
        PAYSTACK_WEBHOOK, data=raw, headers={"x-paystack-signature": signature, "Content-Type": "application/json"}
    )


@pytest.mark.parametrize(
    "data",
    [
        {"amount": "NaN"},
        {"amount": "Infinity"},
        {"amount": 1.5},
        {"amount": -150000},
        {"id": "9" * 100_000},
        {"id": "bad\u0000id"},
        {"reference": {"nested": True}},
    ],
    ids=["amount NaN", "amount Infinity", "amount fractional", "amount negative", "id 100k", "id NUL", "reference obj"],
)
def test_a_signed_but_malformed_paystack_event_is_acknowledged_logged_and_changes_nothing(
    client, customer, card_order, paystack_api, data
):
    reference = _start(client, customer, card_order, paystack_api)["reference"]
    event = {"event": "charge.success", "data": {**_transaction(reference), **data}}
    response = _paystack(client, event)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    [logged] = _events()
    assert logged.outcome.startswith("rejected")
    _unchanged(card_order)


@pytest.mark.parametrize("raw", [DEEP, b'{"event": "charge.success", "data": {"amount": NaN}}'])
def test_a_signed_paystack_body_that_is_no_json_is_422_and_logged(client, paystack_api, raw):
    response = _paystack(client, raw)
    assert response.status_code == 422 and response.get_json()["code"] == "not_a_callback"
    [logged] = _events()
    assert logged.outcome.startswith("rejected")


def test_a_paystack_event_reusing_a_recorded_transaction_id_is_flagged_not_a_409(
    client, customer, address, zone, paystack_api
):
    first = order_of_1500(client, customer, address, "card")
    second = order_of_1500(client, customer, address, "card")
    ref_first = _start(client, customer, first, paystack_api)["reference"]
    ref_second = _start(client, customer, second, paystack_api)["reference"]
    assert _paystack(client, {"event": "charge.success", "data": _transaction(ref_first)}).status_code == 200
    # The same transaction id (4099260516) with the second attempt's reference.
    response = _paystack(client, {"event": "charge.success", "data": _transaction(ref_second)})
    assert response.status_code == 200, response.get_json()
    assert db.session.get(Order, first["id"]).status == "paid"
    assert db.session.get(Order, second["id"]).status == "pending_payment"
    assert len(_events()) == 2 and _events()[-1].outcome == "receipt of another payment: flagged for review"


# PayPal ------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", [DEEP, b'{"id": "WH-1", "event_type": "X", "resource": {"amount": 1e999999}}'])
def test_a_paypal_delivery_that_is_no_json_is_400_without_asking_paypal(client, paypal_api, raw):
    response = client.post("/api/v1/payments/paypal/webhook", data=raw, content_type="application/json", headers=SIGNED)
    assert response.status_code == 400 and response.get_json()["code"] == "invalid_webhook"
    assert not [call for call in paypal_api.calls if "verify-webhook-signature" in call.request.url]
    assert _events() == []


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-11.59", "11.5900001", {"v": 1}])
def test_a_verified_paypal_capture_with_a_bad_amount_is_acknowledged_and_changes_nothing(
    client, customer, paypal_order, paypal_api, value
):
    start(client, customer, paypal_order, paypal_api)
    resource = capture_resource()
    resource["amount"]["value"] = value
    response = deliver(client, paypal_api, webhook_event("PAYMENT.CAPTURE.COMPLETED", resource))
    assert response.status_code == 200, response.get_json()
    [logged] = _events()
    assert logged.outcome.startswith("rejected")
    _unchanged(paypal_order)
    assert CAPTURE_ID not in {p.receipt for p in db.session.scalars(select(Payment))}


def test_a_verified_paypal_event_with_an_id_of_100k_characters_is_400(client, paypal_api):
    event = webhook_event("PAYMENT.CAPTURE.COMPLETED", capture_resource(), event_id="W" * 100_000)
    response = deliver(client, paypal_api, event)
    assert response.status_code == 400 and _events() == []


def test_checkout_id_is_still_read(client, customer, order, daraja):
    """The hardened parser still reads Daraja's documented callback."""
    daraja.post(PUSH_URL, json=accepted())
    push(client, customer, order)
    assert client.post(CALLBACK, json=success_callback(CHECKOUT_ID)).status_code == 200
    assert db.session.get(Order, order["id"]).status == "paid"
