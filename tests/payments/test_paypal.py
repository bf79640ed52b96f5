"""PayPal end to end, its API stubbed at the `requests` layer with the payloads of PayPal's
Orders v2, Payments v2 and Webhooks documents."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import requests
import responses
import time_machine
from sqlalchemy import func, select

from app.common.types import utcnow
from app.extensions import db
from app.orders.models import Order
from app.payments.gateways.paypal import convert
from app.payments.models import Payment, PaymentEvent, Refund
from tests.helpers import assert_problem, emails_to
from tests.payments.conftest import PAYPAL, PAYPAL_TOKEN, order_of_1500

ORDERS_URL = f"{PAYPAL}/v2/checkout/orders"
VERIFY_URL = f"{PAYPAL}/v1/notifications/verify-webhook-signature"
START = "/api/v1/payments/paypal/orders"
WEBHOOK = "/api/v1/payments/paypal/webhook"
PAYPAL_ORDER_ID = "5O190127TN364715T"
CAPTURE_ID = "3C679366HH908993F"
SIGNED = {
    "PAYPAL-AUTH-ALGO": "SHA256withRSA",
    "PAYPAL-CERT-URL": "https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-a5cafa77",
    "PAYPAL-TRANSMISSION-ID": "103e3700-8b0c-11e6-8695-6b62a8a99ac4",
    "PAYPAL-TRANSMISSION-SIG": "t8hlRk64rpEImZMKqgtp5dlWaT1W8ed/mf8Msos341QInVn3BMQubjAhM/cxeq6B5ZAs3QfHYI4r+w==",
    "PAYPAL-TRANSMISSION-TIME": "2026-12-02T08:12:26Z",
}


def created(order_id: str = PAYPAL_ORDER_ID) -> dict:
    return {
        "id": order_id,
        "status": "PAYER_ACTION_REQUIRED",
        "payment_source": {"paypal": {}},
        "links": [
            {"href": f"{ORDERS_URL}/{order_id}", "rel": "self", "method": "GET"},
            {
                "href": f"https://www.sandbox.paypal.com/checkoutnow?token={order_id}",
                "rel": "payer-action",
                "method": "GET",
            },
        ],
    }


def capture(status: str = "COMPLETED", value: str = "11.59", capture_id: str = CAPTURE_ID) -> dict:
    return {
        "id": capture_id,
        "status": status,
        "amount": {"currency_code": "USD", "value": value},
        "final_capture": True,
        "seller_protection": {"status": "ELIGIBLE", "dispute_categories": ["ITEM_NOT_RECEIVED"]},
        "seller_receivable_breakdown": {
            "gross_amount": {"currency_code": "USD", "value": value},
            "paypal_fee": {"currency_code": "USD", "value": "0.70"},
            "net_amount": {"currency_code": "USD", "value": "10.89"},
        },
        "links": [{"href": f"{PAYPAL}/v2/payments/captures/{capture_id}", "rel": "self", "method": "GET"}],
        "create_time": "2026-12-02T08:12:26Z",
        "update_time": "2026-12-02T08:12:26Z",
    }


def captured_order(status: str = "COMPLETED", value: str = "11.59", order_id: str = PAYPAL_ORDER_ID) -> dict:
    return {
        "id": order_id,
        "status": "COMPLETED",
        "payment_source": {"paypal": {"email_address": "buyer@example.com", "account_id": "QYR5Z8XDVJNXQ"}},
        "purchase_units": [{"reference_id": "default", "payments": {"captures": [capture(status, value)]}}],
        "payer": {"email_address": "buyer@example.com", "payer_id": "QYR5Z8XDVJNXQ"},
        "links": [{"href": f"{ORDERS_URL}/{order_id}", "rel": "self", "method": "GET"}],
    }


def webhook_event(event_type: str, resource: dict, event_id: str = "WH-58D329510W468432D-8HN650336L201105X") -> dict:
    return {
        "id": event_id,
        "create_time": "2026-12-02T08:13:07.940Z",
        "resource_type": "refund" if event_type.endswith("REFUNDED") else "capture",
        "event_type": event_type,
        "summary": "Payment completed for $ 11.59 USD",
        "resource": resource,
        "links": [{"href": f"{PAYPAL}/v1/notifications/webhooks-events/{event_id}", "rel": "self", "method": "GET"}],
        "event_version": "1.0",
        "resource_version": "2.0",
    }


def capture_resource(status: str = "COMPLETED", value: str = "11.59", order_id: str = PAYPAL_ORDER_ID) -> dict:
    return {**capture(status, value), "supplementary_data": {"related_ids": {"order_id": order_id}}}


def start(client, customer, order, api, order_id: str = PAYPAL_ORDER_ID) -> dict:
    api.post(ORDERS_URL, status=201, json=created(order_id))
    response = client.post(START, json={"order_id": order["id"]}, headers=customer.headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def deliver(client, api, event: dict, verified: str = "SUCCESS", headers: dict | None = None):
    api.post(VERIFY_URL, json={"verification_status": verified})
    raw = json.dumps(event, indent=1).encode()  # PayPal's own formatting: it must go back untouched
    return client.post(
        WEBHOOK, data=raw, content_type="application/json", headers=SIGNED if headers is None else headers
    )


def test_methods_offer_paypal_in_its_currency_with_the_rate(client, app, paypal_api, monkeypatch):
    methods = {m["method"]: m for m in client.get("/api/v1/payments/methods").get_json()}
    assert methods["paypal"]["currency"] == "USD" and methods["paypal"]["exchange_rate"] == "129.500000"
    monkeypatch.setitem(app.config, "PAYPAL_FX_RATE", None)  # KES is no PayPal currency: no rate, no PayPal
    assert "paypal" not in {m["method"] for m in client.get("/api/v1/payments/methods").get_json()}
    monkeypatch.setitem(app.config, "PAYPAL_FX_RATE", "-3")
    assert "paypal" not in {m["method"] for m in client.get("/api/v1/payments/methods").get_json()}


def test_conversion_rounds_up_to_the_currency_unit():
    assert convert(Decimal("1500.00"), Decimal("129.50"), "USD") == Decimal("11.59")  # 11.5830...
    assert convert(Decimal("1295.00"), Decimal("129.50"), "USD") == Decimal("10.00")  # exact stays exact
    assert convert(Decimal("1500.00"), Decimal("1.05"), "JPY") == Decimal("1429")  # no decimals in yen


def test_the_order_is_created_exactly_as_paypal_documents(client, customer, paypal_order, paypal_api):
    made = start(client, customer, paypal_order, paypal_api)
    assert made["paypal_order_id"] == PAYPAL_ORDER_ID
    assert made["approve_url"] == f"https://www.sandbox.paypal.com/checkoutnow?token={PAYPAL_ORDER_ID}"
    payment = made["payment"]
    assert (payment["provider"], payment["status"], payment["amount"], payment["currency"]) == (
        "paypal",
        "pending",
        "11.59",
        "USD",
    )
    assert payment["order_amount"] == "1500.00" and payment["exchange_rate"] == "129.500000"

    token_call, create_call = paypal_api.calls[0], paypal_api.calls[1]
    assert token_call.request.url == f"{PAYPAL}/v1/oauth2/token"
    basic = base64.b64encode(b"AeHNq-client-id:EGnHDxD-client-secret").decode()
    assert token_call.request.headers["Authorization"] == f"Basic {basic}"
    assert parse_qs(token_call.request.body) == {"grant_type": ["client_credentials"]}

    assert create_call.request.url == ORDERS_URL
    assert create_call.request.headers["Authorization"] == f"Bearer {PAYPAL_TOKEN['access_token']}"
    sent = json.loads(create_call.request.body)
    unit = sent["purchase_units"][0]
    assert sent["intent"] == "CAPTURE"
    assert unit["amount"] == {"currency_code": "USD", "value": "11.59"}
    assert unit["custom_id"] == paypal_order["reference"]
    assert unit["invoice_id"].startswith(paypal_order["reference"] + "-")
    assert create_call.request.headers["PayPal-Request-Id"] == unit["invoice_id"]  # one per attempt
    context = sent["payment_source"]["paypal"]["experience_context"]
    assert context["return_url"].endswith("paypal=approved") and context["cancel_url"].endswith("paypal=cancelled")
    assert "EGnHDxD-client-secret" not in json.dumps(made)


def test_the_token_is_cached(client, customer, address, paypal_order, paypal_api):
    start(client, customer, paypal_order, paypal_api)
    second = order_of_1500(client, customer, address, "paypal")
    start(client, customer, second, paypal_api, "8YH12345AB6789012")
    assert sum(call.request.url.endswith("/v1/oauth2/token") for call in paypal_api.calls) == 1


def test_one_open_attempt_per_order(client, customer, paypal_order, paypal_api):
    """Five starts for one order made five PayPal orders; now the open one is pointed at."""
    first = start(client, customer, paypal_order, paypal_api)
    for _ in range(3):
        body = assert_problem(
            client.post(START, json={"order_id": paypal_order["id"]}, headers=customer.headers),
            409,
            "payment_in_progress",
        )
        assert body["payment_id"] == first["payment"]["id"] and body["redirect_url"] == first["approve_url"]
    assert sum(call.request.url == ORDERS_URL for call in paypal_api.calls) == 1
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1


def test_a_completed_capture_pays_the_order(client, customer, paypal_order, paypal_api):
    made = start(client, customer, paypal_order, paypal_api)
    paypal_api.post(f"{ORDERS_URL}/{PAYPAL_ORDER_ID}/capture", status=201, json=captured_order())
    response = client.post(f"{START}/{PAYPAL_ORDER_ID}/capture", headers=customer.headers)
    assert response.status_code == 200, response.get_json()
    paid = response.get_json()
    assert paid["id"] == made["payment"]["id"]
    assert (paid["status"], paid["receipt"], paid["amount_paid"]) == ("succeeded", CAPTURE_ID, "11.59")
    sent = paypal_api.calls[-1].request
    assert sent.headers["PayPal-Request-Id"] == f"capture-{PAYPAL_ORDER_ID}"  # a retried capture is PayPal's first
    assert db.session.get(Order, paypal_order["id"]).status == "paid"
    assert [e.subject for e in emails_to(customer.user.email)].count("Payment received") == 1

    again = client.post(f"{START}/{PAYPAL_ORDER_ID}/capture", headers=customer.headers)
    assert again.status_code == 200 and again.get_json()["status"] == "succeeded"
    assert sum("/capture" in call.request.url for call in paypal_api.calls) == 1  # settled: PayPal not asked again


def test_a_declined_funding_source_is_422_and_the_payment_stays_open(client, customer, paypal_order, paypal_api):
    start(client, customer, paypal_order, paypal_api)
    declined = {
        "name": "UNPROCESSABLE_ENTITY",
        "details": [
            {
                "issue": "INSTRUMENT_DECLINED",
                "description": "The instrument presented was either declined by the processor or bank.",
            }
        ],
        "message": "The requested action could not be performed, semantically incorrect, or failed business "
        "validation.",
        "debug_id": "c9a75b43fc807",
    }
    paypal_api.post(f"{ORDERS_URL}/{PAYPAL_ORDER_ID}/capture", status=422, json=declined)
    body = assert_problem(
        client.post(f"{START}/{PAYPAL_ORDER_ID}/capture", headers=customer.headers), 422, "provider_refused"
    )
    assert body["provider_code"] == "INSTRUMENT_DECLINED" and "approve it again" in body["detail"]
    assert db.session.scalar(select(Payment.status)) == "pending"
    assert db.session.get(Order, paypal_order["id"]).status == "pending_payment"


def test_an_order_captured_already_is_read_back_and_settled(client, customer, paypal_order, paypal_api):
    start(client, customer, paypal_order, paypal_api)
    already = {"name": "UNPROCESSABLE_ENTITY", "details": [{"issue": "ORDER_ALREADY_CAPTURED"}], "debug_id": "x"}
    paypal_api.post(f"{ORDERS_URL}/{PAYPAL_ORDER_ID}/capture", status=422, json=already)
    paypal_api.get(f"{ORDERS_URL}/{PAYPAL_ORDER_ID}", json=captured_order())
    paid = client.post(f"{START}/{PAYPAL_ORDER_ID}/capture", headers=customer.headers).get_json()
    assert paid["status"] == "succeeded" and paid["receipt"] == CAPTURE_ID


def test_a_capture_of_another_amount_is_flagged_and_does_not_pay(client, customer, paypal_order, paypal_api):
    start(client, customer, paypal_order, paypal_api)
    paypal_api.post(f"{ORDERS_URL}/{PAYPAL_ORDER_ID}/capture", status=201, json=captured_order(value="1.00"))
    flagged = client.post(f"{START}/{PAYPAL_ORDER_ID}/capture", headers=customer.headers).get_json()
    assert flagged["status"] == "failed" and flagged["needs_review"] and flagged["failure_code"] == "amount_mismatch"
    assert db.session.get(Order, paypal_order["id"]).status == "pending_payment"


@pytest.mark.parametrize(
    "stub",
    [
        {"body": requests.exceptions.ConnectTimeout("timed out")},
        {"status": 503, "body": "<html>Service Unavailable</html>"},
        {"status": 500, "json": {"name": "INTERNAL_SERVER_ERROR", "debug_id": "90957fca61718"}},
    ],
)
def test_paypal_down_is_502_and_leaves_nothing_behind(client, customer, paypal_order, paypal_api, stub):
    paypal_api.post(ORDERS_URL, **stub)
    response = client.post(START, json={"order_id": paypal_order["id"]}, headers=customer.headers)
    assert_problem(response, 502, "provider_unavailable")
    assert "client-secret" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert db.session.get(Order, paypal_order["id"]).status == "pending_payment"


def test_only_a_paypal_order_is_paid_with_paypal(client, customer, order, paypal_api):
    response = client.post(START, json={"order_id": order["id"]}, headers=customer.headers)  # an M-Pesa order
    assert_problem(response, 409, "order_not_payable")


def test_someone_elses_paypal_order_is_404(client, customer, other_customer, paypal_order, paypal_api):
    start(client, customer, paypal_order, paypal_api)
    response = client.post(f"{START}/{PAYPAL_ORDER_ID}/capture", headers=other_customer.headers)
    assert_problem(response, 404, "payment_not_found")


# Webhooks --------------------------------------------------------------------------------------


def test_a_verified_capture_completed_event_settles_once(client, customer, paypal_order, paypal_api):
    start(client, customer, paypal_order, paypal_api)
    event = webhook_event("PAYMENT.CAPTURE.COMPLETED", capture_resource())
    response = deliver(client, paypal_api, event)
    assert response.status_code == 200 and response.get_json() == {"received": True}
    verify = paypal_api.calls[-1].request
    assert verify.url == VERIFY_URL
    sent = json.loads(verify.body)
    assert sent["webhook_id"] == "8PT597110X687430LKGECATA"
    assert sent["transmission_id"] == SIGNED["PAYPAL-TRANSMISSION-ID"]
    assert sent["transmission_sig"] == SIGNED["PAYPAL-TRANSMISSION-SIG"]
    assert sent["cert_url"] == SIGNED["PAYPAL-CERT-URL"] and sent["auth_algo"] == "SHA256withRSA"
    assert sent["transmission_time"] == SIGNED["PAYPAL-TRANSMISSION-TIME"]
    assert json.dumps(event, indent=1).encode() in verify.body  # the event byte for byte, not re-serialised
    assert sent["webhook_event"] == event

    assert deliver(client, paypal_api, event).status_code == 200  # PayPal delivers again: nothing changes
    payment = db.session.scalar(select(Payment))
    assert (payment.status, payment.receipt) == ("succeeded", CAPTURE_ID)
    assert db.session.get(Order, paypal_order["id"]).status == "paid"
    logged = db.session.scalars(select(PaymentEvent).where(PaymentEvent.kind == "webhook")).all()
    assert len(logged) == 1 and logged[0].authenticated and logged[0].payment_id == payment.id
    assert logged[0].headers["transmission_id"] == SIGNED["PAYPAL-TRANSMISSION-ID"]
    assert [e.subject for e in emails_to(customer.user.email)].count("Payment received") == 1


def test_an_unverified_event_is_401_and_changes_nothing(client, customer, paypal_order, paypal_api):
    start(client, customer, paypal_order, paypal_api)
    response = deliver(client, paypal_api, webhook_event("PAYMENT.CAPTURE.COMPLETED", capture_resource()), "FAILURE")
    assert_problem(response, 401, "invalid_signature")
    assert db.session.scalar(select(Payment.status)) == "pending"
    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 0


@pytest.mark.parametrize(
    "raw,headers",
    [
        (json.dumps(webhook_event("PAYMENT.CAPTURE.COMPLETED", capture_resource())), {}),  # unsigned
        ("not json", SIGNED),
        (json.dumps({"event_type": "PAYMENT.CAPTURE.COMPLETED"}), SIGNED),
    ],
)
def test_an_unsigned_or_garbled_delivery_is_400_and_paypal_is_not_asked(client, paypal_api, raw, headers):
    response = client.post(WEBHOOK, data=raw, content_type="application/json", headers=headers)
    assert_problem(response, 400, "invalid_webhook")
    assert not any(call.request.url == VERIFY_URL for call in paypal_api.calls)


def test_paypal_unreachable_for_verification_is_502_so_it_delivers_again(client, paypal_api):
    paypal_api.post(VERIFY_URL, body=requests.exceptions.ReadTimeout("slow"))
    raw = json.dumps(webhook_event("PAYMENT.CAPTURE.COMPLETED", capture_resource()))
    response = client.post(WEBHOOK, data=raw, content_type="application/json", headers=SIGNED)
    assert_problem(response, 502, "provider_unavailable")


def test_an_event_for_an_unknown_payment_is_accepted_and_logged(client, paypal_api):
    response = deliver(client, paypal_api, webhook_event("PAYMENT.CAPTURE.COMPLETED", capture_resource(order_id="X1")))
    assert response.status_code == 200
    assert db.session.scalar(select(PaymentEvent.outcome)) == "unknown payment"


def test_a_denied_capture_fails_the_attempt(client, customer, paypal_order, paypal_api):
    start(client, customer, paypal_order, paypal_api)
    deliver(client, paypal_api, webhook_event("PAYMENT.CAPTURE.DENIED", capture_resource("DECLINED")))
    payment = db.session.scalar(select(Payment))
    assert payment.status == "failed" and payment.failure_code == "paypal_declined"
    assert db.session.get(Order, paypal_order["id"]).status == "pending_payment"


def _paid(client, customer, paypal_order, paypal_api) -> dict:
    start(client, customer, paypal_order, paypal_api)
    paypal_api.post(f"{ORDERS_URL}/{PAYPAL_ORDER_ID}/capture", status=201, json=captured_order())
    return client.post(f"{START}/{PAYPAL_ORDER_ID}/capture", headers=customer.headers).get_json()


def test_a_refund_made_in_paypal_is_recorded_from_its_event(client, customer, paypal_order, paypal_api):
    _paid(client, customer, paypal_order, paypal_api)
    refund = {
        "id": "1Y107995YT783435V",
        "amount": {"currency_code": "USD", "value": "11.59"},
        "status": "COMPLETED",
        "links": [
            {"href": f"{PAYPAL}/v2/payments/refunds/1Y107995YT783435V", "rel": "self", "method": "GET"},
            {"href": f"{PAYPAL}/v2/payments/captures/{CAPTURE_ID}", "rel": "up", "method": "GET"},
        ],
    }
    event = webhook_event("PAYMENT.CAPTURE.REFUNDED", refund, "WH-1GE84257G0350133W-6RW800890C634293G")
    assert deliver(client, paypal_api, event).status_code == 200
    assert deliver(client, paypal_api, event).status_code == 200  # once only
    recorded = db.session.scalars(select(Refund)).all()
    assert [(r.amount, r.status, r.provider_reference) for r in recorded] == [
        (Decimal("11.59"), "succeeded", "1Y107995YT783435V")
    ]
    assert db.session.scalar(select(Payment.status)) == "refunded"


# Refunds and reconciliation --------------------------------------------------------------------


def test_refunds_go_to_the_capture_in_the_payment_currency(client, admin, customer, paypal_order, paypal_api):
    paid = _paid(client, customer, paypal_order, paypal_api)
    url = f"{PAYPAL}/v2/payments/captures/{CAPTURE_ID}/refund"
    paypal_api.post(url, status=201, json={"id": "1JU08902781691411", "status": "COMPLETED"})
    part = client.post(
        f"/api/v1/payments/{paid['id']}/refunds", json={"amount": "5.00", "reason": "one item"}, headers=admin.headers
    )
    assert part.status_code == 201, part.get_json()
    assert part.get_json()["status"] == "succeeded" and part.get_json()["provider_reference"] == "1JU08902781691411"
    sent = paypal_api.calls[-1].request
    assert json.loads(sent.body) == {"amount": {"currency_code": "USD", "value": "5.00"}}
    assert sent.headers["PayPal-Request-Id"] == f"duka-refund-{part.get_json()['id']}"

    too_much = client.post(
        f"/api/v1/payments/{paid['id']}/refunds", json={"amount": "7.00", "reason": "more"}, headers=admin.headers
    )
    assert assert_problem(too_much, 409, "refund_exceeds_payment")["refundable"] == "6.59"
    paypal_api.replace(responses.POST, url, status=201, json={"id": "0PK21849NE282931D", "status": "COMPLETED"})
    rest = client.post(f"/api/v1/payments/{paid['id']}/refunds", json={"reason": "the rest"}, headers=admin.headers)
    assert rest.get_json()["amount"] == "6.59"
    assert json.loads(paypal_api.calls[-1].request.body) == {"amount": {"currency_code": "USD", "value": "6.59"}}
    assert db.session.scalar(select(Payment.status)) == "refunded"


def test_an_approved_order_whose_capture_never_came_is_captured_by_reconciliation(
    client, customer, paypal_order, paypal_api
):
    from app.payments.tasks import reconcile_pending_payments

    start(client, customer, paypal_order, paypal_api)
    approved = {**created(), "status": "APPROVED"}
    paypal_api.get(f"{ORDERS_URL}/{PAYPAL_ORDER_ID}", json=approved)
    paypal_api.post(f"{ORDERS_URL}/{PAYPAL_ORDER_ID}/capture", status=201, json=captured_order())
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        assert reconcile_pending_payments.delay().result == 1
    assert db.session.scalar(select(Payment.status)) == "succeeded"
    assert db.session.get(Order, paypal_order["id"]).status == "paid"


def test_refresh_leaves_an_unapproved_order_pending_and_reports_paypal_down(client, customer, paypal_order, paypal_api):
    made = start(client, customer, paypal_order, paypal_api)
    paypal_api.get(f"{ORDERS_URL}/{PAYPAL_ORDER_ID}", json=created())
    refresh = f"/api/v1/payments/{made['payment']['id']}/refresh"
    assert client.post(refresh, headers=customer.headers).get_json()["status"] == "pending"
    paypal_api.replace(responses.GET, f"{ORDERS_URL}/{PAYPAL_ORDER_ID}", status=502, body="Bad Gateway")
    with time_machine.travel(utcnow() + timedelta(seconds=11), tick=False):  # one question per 10 s
        assert_problem(client.post(refresh, headers=customer.headers), 502, "provider_unavailable")
    assert db.session.scalar(select(Payment.status)) == "pending"


def test_cancelling_a_paid_paypal_order_refunds_the_capture(client, customer, paypal_order, paypal_api):
    _paid(client, customer, paypal_order, paypal_api)
    url = f"{PAYPAL}/v2/payments/captures/{CAPTURE_ID}/refund"
    paypal_api.post(url, status=201, json={"id": "1JU08902781691411", "status": "PENDING"})
    response = client.post(f"/api/v1/orders/{paypal_order['id']}/cancel", json={}, headers=customer.headers)
    assert response.status_code == 200, response.get_json()
    [refund] = db.session.scalars(select(Refund)).all()
    assert (refund.amount, refund.status, refund.requested_by_id) == (Decimal("11.59"), "pending", None)
    assert paypal_api.calls[-1].request.url == url and json.loads(paypal_api.calls[-1].request.body) == {}
