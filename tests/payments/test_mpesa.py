"""M-Pesa Express (STK Push) end to end, Daraja stubbed at the `requests` layer with its
documented payloads."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
import requests
import responses
import time_machine
from sqlalchemy import func, select

from app.common.types import utcnow
from app.extensions import db
from app.orders.models import Order
from app.payments.gateways.mpesa import NAIROBI
from app.payments.models import Payment, PaymentEvent
from tests.factories import AddressFactory, ProductFactory
from tests.helpers import ORDERS, add_to_cart, assert_problem, checkout, emails_to
from tests.payments.conftest import order_of_1500

SANDBOX = "https://sandbox.safaricom.co.ke"
TOKEN_URL = f"{SANDBOX}/oauth/v1/generate"
PUSH_URL = f"{SANDBOX}/mpesa/stkpush/v1/processrequest"
QUERY_URL = f"{SANDBOX}/mpesa/stkpushquery/v1/query"
PUSH = "/api/v1/payments/mpesa/stk-push"
SECRET = "test-callback-secret-0123456789"
CALLBACK = f"/api/v1/payments/mpesa/callback/{SECRET}"
CHECKOUT_ID = "ws_CO_191220191020363925"


# The STK Query's answer while the prompt is open (HTTP 500 with this errorCode, as Daraja does).
PROCESSING = {"requestId": "ws_1", "errorCode": "500.001.1001", "errorMessage": "The transaction is being processed"}


def accepted(checkout_id: str = CHECKOUT_ID) -> dict:
    return {
        "MerchantRequestID": "29115-34620561-1",
        "CheckoutRequestID": checkout_id,
        "ResponseCode": "0",
        "ResponseDescription": "Success. Request accepted for processing",
        "CustomerMessage": "Success. Request accepted for processing",
    }


def success_callback(checkout_id: str = CHECKOUT_ID, amount=1500, receipt: str = "NLJ7RT61SV") -> dict:
    return {
        "Body": {
            "stkCallback": {
                "MerchantRequestID": "29115-34620561-1",
                "CheckoutRequestID": checkout_id,
                "ResultCode": 0,
                "ResultDesc": "The service request is processed successfully.",
                "CallbackMetadata": {
                    "Item": [
                        {"Name": "Amount", "Value": amount},
                        {"Name": "MpesaReceiptNumber", "Value": receipt},
                        {"Name": "Balance"},
                        {"Name": "TransactionDate", "Value": 20191219102115},
                        {"Name": "PhoneNumber", "Value": 254708374149},
                    ]
                },
            }
        }
    }


def failed_callback(code: int, desc: str, checkout_id: str = CHECKOUT_ID) -> dict:
    return {
        "Body": {
            "stkCallback": {
                "MerchantRequestID": "29115-34620561-1",
                "CheckoutRequestID": checkout_id,
                "ResultCode": code,
                "ResultDesc": desc,
            }
        }
    }


def push(client, customer, order, phone: str = "0708374149"):
    return client.post(PUSH, json={"order_id": order["id"], "phone": phone}, headers=customer.headers)


def test_methods_offer_mpesa_only_when_configured(client, app, daraja, monkeypatch):
    methods = client.get("/api/v1/payments/methods").get_json()
    mpesa = {
        "method": "mpesa",
        "currency": "KES",
        "exchange_rate": None,
        "min_amount": "1.00",
        "max_amount": "250000.00",
    }
    assert mpesa in methods
    monkeypatch.setitem(app.config, "MPESA_CONSUMER_KEY", None)
    assert "mpesa" not in [m["method"] for m in client.get("/api/v1/payments/methods").get_json()]


def test_the_stk_push_is_sent_exactly_as_daraja_documents(client, customer, order, daraja):
    daraja.post(PUSH_URL, json=accepted())
    moment = (datetime.now(NAIROBI) + timedelta(minutes=1)).replace(microsecond=0)  # after the token's iat
    with time_machine.travel(moment, tick=False):
        response = push(client, customer, order, phone="+254 708 374 149")
    assert response.status_code == 202, response.get_json()
    payment = response.get_json()
    assert payment["status"] == "pending" and payment["checkout_request_id"] == CHECKOUT_ID
    assert payment["amount"] == "1500.00" and payment["currency"] == "KES" and payment["phone"] == "254708374149"

    token_call, push_call = daraja.calls[0], daraja.calls[1]
    expected_basic = base64.b64encode(b"consumer-key:consumer-secret").decode()
    assert token_call.request.headers["Authorization"] == f"Basic {expected_basic}"
    assert "grant_type=client_credentials" in token_call.request.url
    assert push_call.request.headers["Authorization"] == "Bearer c9SQxWWhmdVRlyh0zh8gZDTkubVF"
    sent = json.loads(push_call.request.body)
    stamp = moment.strftime("%Y%m%d%H%M%S")  # Nairobi time, whatever the server's zone
    passkey = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"
    assert sent == {
        "BusinessShortCode": "174379",
        "Password": base64.b64encode(f"174379{passkey}{stamp}".encode()).decode(),
        "Timestamp": stamp,
        "TransactionType": "CustomerPayBillOnline",
        "Amount": 1500,
        "PartyA": "254708374149",
        "PartyB": "174379",
        "PhoneNumber": "254708374149",
        "CallBackURL": f"https://shop.example.co.ke{CALLBACK}",
        "AccountReference": order["reference"],
        "TransactionDesc": f"Order {order['reference']}"[:13],
    }
    assert len(sent["AccountReference"]) <= 12 and len(sent["TransactionDesc"]) <= 13


def test_a_forged_host_header_never_reaches_the_callback_url(app, client, customer, address, zone, daraja, monkeypatch):
    """The attack: `Host: attacker.test` on an STK push sent the callback secret to the attacker."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://shop.example.co.ke")
    add_to_cart(client, customer, ProductFactory(price="1250.00", stock=5))
    order = checkout(client, customer, address).get_json()
    daraja.post(PUSH_URL, json=accepted())
    response = client.post(
        PUSH,
        json={"order_id": order["id"]},
        headers={**customer.headers, "Host": "attacker.test", "X-Forwarded-Host": "attacker.test"},
    )
    assert response.status_code == 202, response.get_json()
    sent = json.loads(daraja.calls[-1].request.body)
    assert sent["CallBackURL"] == f"https://shop.example.co.ke/api/v1/payments/mpesa/callback/{SECRET}"


def test_a_total_with_cents_is_asked_rounded_up_to_the_shilling(client, customer, address, zone, daraja):
    add_to_cart(client, customer, ProductFactory(price=Decimal("99.50"), stock=5))
    order = checkout(client, customer, address).get_json()  # 349.50 with delivery
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    assert payment["amount"] == "350.00" and payment["order_amount"] == "349.50"
    assert json.loads(daraja.calls[-1].request.body)["Amount"] == 350


def test_the_token_is_cached_until_shortly_before_it_expires(client, customer, address, zone, daraja):
    orders = []
    for _ in range(2):
        add_to_cart(client, customer, ProductFactory(stock=5))
        orders.append(checkout(client, customer, address).get_json())
    daraja.post(PUSH_URL, json=accepted("ws_CO_1"))
    daraja.post(PUSH_URL, json=accepted("ws_CO_2"))
    push(client, customer, orders[0])
    push(client, customer, orders[1])
    assert sum(1 for call in daraja.calls if call.request.url.startswith(TOKEN_URL)) == 1


def test_a_second_push_while_one_is_pending_is_409_and_allowed_after_a_cancel(client, customer, order, daraja):
    daraja.post(PUSH_URL, json=accepted())
    first = push(client, customer, order).get_json()
    body = assert_problem(push(client, customer, order), 409, "payment_in_progress")
    assert body["payment_id"] == first["id"]
    assert client.post(CALLBACK, json=failed_callback(1032, "Request cancelled by user")).status_code == 200
    daraja.post(PUSH_URL, json=accepted("ws_CO_again"))
    assert push(client, customer, order).status_code == 202


def test_no_prompt_once_the_time_to_pay_is_over(client, customer, order, daraja):
    daraja.post(PUSH_URL, json=accepted())
    db.session.get(Order, order["id"]).payment_due_at = utcnow() - timedelta(seconds=1)
    db.session.flush()
    body = assert_problem(push(client, customer, order), 409, "order_not_payable")
    assert "over" in body["detail"]
    assert not [call for call in daraja.calls if call.request.url == PUSH_URL]


def test_one_phone_gets_a_capped_number_of_prompts_whoever_asks(
    app, client, customer, other_customer, address, zone, daraja, monkeypatch
):
    monkeypatch.setitem(app.config, "STK_PUSHES_PER_PHONE", "2/hour")
    mine = order_of_1500(client, customer, address, "mpesa")
    for n, phone in enumerate(["0712000111", "+254712000111"]):  # one number, two spellings
        daraja.post(PUSH_URL, json=accepted(f"ws_CO_{n}"))
        assert push(client, customer, mine, phone=phone).status_code == 202
        client.post(CALLBACK, json=failed_callback(1032, "Request cancelled by user", f"ws_CO_{n}"))
    limited = push(client, customer, mine, phone="0712000111")
    assert_problem(limited, 429, "rate_limited")
    assert "Retry-After" in limited.headers
    theirs = order_of_1500(client, other_customer, AddressFactory(user_id=other_customer.user.id), "mpesa")
    assert_problem(push(client, other_customer, theirs, phone="0712000111"), 429, "rate_limited")
    daraja.post(PUSH_URL, json=accepted("ws_CO_other"))
    assert push(client, other_customer, theirs, phone="0712000222").status_code == 202
    assert sum(call.request.url == PUSH_URL for call in daraja.calls) == 3


def test_a_successful_callback_pays_the_order_once(client, customer, order, daraja):
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    response = client.post(CALLBACK, json=success_callback())
    assert response.status_code == 200 and response.get_json() == {"ResultCode": 0, "ResultDesc": "Accepted"}
    again = client.post(CALLBACK, json=success_callback())
    assert again.status_code == 200

    settled = client.get(f"/api/v1/payments/{payment['id']}", headers=customer.headers).get_json()
    assert settled["status"] == "succeeded" and settled["receipt"] == "NLJ7RT61SV"
    assert settled["amount_paid"] == "1500.00" and settled["settled_at"] is not None
    paid = client.get(f"{ORDERS}/{order['id']}", headers=customer.headers).get_json()
    assert paid["status"] == "paid" and paid["paid_at"] is not None
    assert [(e["to_status"], e["actor_kind"]) for e in paid["history"]][-1] == ("paid", "system")
    assert sum(e["to_status"] == "paid" for e in paid["history"]) == 1
    assert len([e for e in emails_to(customer.user.email) if e.subject == "Payment received"]) == 1
    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 1  # the duplicate: not again


@pytest.mark.parametrize(
    "code,desc,status,failure",
    [
        (1032, "Request cancelled by user", "cancelled", "cancelled"),
        (1, "The balance is insufficient for the transaction.", "failed", "insufficient_funds"),
        (2001, "The initiator information is invalid.", "failed", "wrong_pin"),
        (1037, "DS timeout user cannot be reached", "failed", "phone_unreachable"),
        (1019, "Transaction has expired", "failed", "expired"),
        (9999, "Something new", "failed", "mpesa_9999"),
    ],
)
def test_failures_are_read_from_the_result_code(client, customer, order, daraja, code, desc, status, failure):
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    client.post(CALLBACK, json=failed_callback(code, desc))
    settled = client.get(f"/api/v1/payments/{payment['id']}", headers=customer.headers).get_json()
    assert (settled["status"], settled["failure_code"]) == (status, failure)
    assert db.session.get(Order, order["id"]).status == "pending_payment"


def test_a_result_code_sent_as_a_string_works_too(client, customer, order, daraja):
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    body = success_callback(amount="1500.00")
    body["Body"]["stkCallback"]["ResultCode"] = "0"
    client.post(CALLBACK, json=body)
    assert db.session.get(Payment, payment["id"]).status == "succeeded"


def test_a_wrong_amount_is_flagged_and_does_not_pay(client, customer, order, daraja):
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    client.post(CALLBACK, json=success_callback(amount=1))
    flagged = client.get(f"/api/v1/payments/{payment['id']}", headers=customer.headers).get_json()
    assert flagged["status"] == "failed" and flagged["failure_code"] == "amount_mismatch" and flagged["needs_review"]
    assert db.session.get(Order, order["id"]).status == "pending_payment"


def test_a_wrong_secret_is_404_and_records_nothing(client, customer, order, daraja):
    daraja.post(PUSH_URL, json=accepted())
    push(client, customer, order)
    response = client.post("/api/v1/payments/mpesa/callback/guessed", json=success_callback())
    assert_problem(response, 404, "payment_not_found")
    assert db.session.scalar(select(func.count()).select_from(PaymentEvent)) == 0
    assert db.session.get(Order, order["id"]).status == "pending_payment"


@pytest.mark.parametrize("body", [b"not json", b"{}", b'{"Body": {"stkCallback": {"ResultCode": "x"}}}'])
def test_garbage_is_422_and_kept_in_the_log(client, daraja, body):
    response = client.post(CALLBACK, data=body, content_type="application/json")
    assert response.status_code == 422
    [event] = db.session.scalars(select(PaymentEvent)).all()
    assert event.raw_body == body.decode() and event.outcome.startswith("rejected")


def test_a_callback_for_an_unknown_payment_is_accepted_and_logged(client, daraja):
    response = client.post(CALLBACK, json=success_callback("ws_CO_nobody"))
    assert response.status_code == 200
    [event] = db.session.scalars(select(PaymentEvent)).all()
    assert event.outcome == "unknown payment" and event.payment_id is None


@pytest.mark.parametrize(
    "method,path,status",
    [
        ("POST", CALLBACK, 200),
        ("POST", CALLBACK + "/", 404),  # no route matches: the secret was logged before
        ("GET", CALLBACK, 405),
        ("POST", CALLBACK + "/more/segments", 404),
        ("POST", "/api/v1/payments/mpesa/callback/wrong-guess", 404),
    ],
)
def test_the_secret_never_reaches_the_access_log(client, daraja, caplog, method, path, status):
    import logging

    with caplog.at_level(logging.INFO, logger="duka.access"):
        response = client.open(path, method=method, json=success_callback("ws_CO_nobody"))
    assert response.status_code == status
    [line] = [r for r in caplog.records if r.name == "duka.access"]
    assert line.fields["path"] == "/api/v1/payments/mpesa/callback/<secret>"
    assert SECRET not in line.getMessage() and SECRET not in json.dumps(line.fields)
    assert "wrong-guess" not in line.getMessage()


def test_the_development_servers_request_line_is_redacted_too(app, caplog):
    import logging

    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('%s - - "%s" %s %s', "127.0.0.1", f"POST {CALLBACK}/ HTTP/1.1", "404", "-")
    [record] = caplog.records
    assert SECRET not in record.getMessage()
    assert "POST /api/v1/payments/mpesa/callback/<secret> HTTP/1.1" in record.getMessage()


@pytest.mark.parametrize(
    "stub,status,code",
    [
        ({"body": requests.exceptions.ConnectTimeout()}, 502, "provider_unavailable"),
        ({"status": 503, "body": "<html>Service Unavailable</html>"}, 502, "provider_unavailable"),
        ({"status": 500, "json": {"requestId": "1", "errorCode": "500.001.1001", "errorMessage": "x"}}, 502, None),
        (
            {
                "status": 400,
                "json": {"requestId": "1", "errorCode": "400.002.02", "errorMessage": "Invalid PhoneNumber"},
            },
            422,
            "provider_refused",
        ),
    ],
)
def test_provider_failures_leave_nothing_behind(client, customer, order, daraja, stub, status, code):
    daraja.post(PUSH_URL, **stub)
    response = push(client, customer, order)
    assert response.status_code == status
    if code:
        assert response.get_json()["code"] == code
    assert "consumer-secret" not in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 0
    assert db.session.get(Order, order["id"]).status == "pending_payment"


def test_a_lost_callback_is_recovered_by_the_query(client, customer, order, daraja):
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    daraja.post(QUERY_URL, status=500, json=PROCESSING)
    still = client.post(f"/api/v1/payments/{payment['id']}/refresh", headers=customer.headers).get_json()
    assert still["status"] == "pending"
    daraja.replace(
        responses.POST,
        QUERY_URL,
        json={
            "ResponseCode": "0",
            "ResponseDescription": "The service request has been accepted successsfully",
            "MerchantRequestID": "29115-34620561-1",
            "CheckoutRequestID": CHECKOUT_ID,
            "ResultCode": "0",
            "ResultDesc": "The service request is processed successfully.",
        },
    )
    with time_machine.travel(utcnow() + timedelta(seconds=11), tick=False):  # one question per 10 s
        done = client.post(f"/api/v1/payments/{payment['id']}/refresh", headers=customer.headers).get_json()
    assert done["status"] == "succeeded" and done["amount_paid"] == "1500.00"
    assert db.session.get(Order, order["id"]).status == "paid"
    sent = json.loads(daraja.calls[-1].request.body)
    assert sent["CheckoutRequestID"] == CHECKOUT_ID and set(sent) == {
        "BusinessShortCode",
        "Password",
        "Timestamp",
        "CheckoutRequestID",
    }


def test_refreshes_ask_the_provider_once_per_payment_every_ten_seconds(client, customer, order, daraja):
    """Ten clients polling one payment made ten provider calls, each holding a worker."""
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    daraja.post(QUERY_URL, status=500, json=PROCESSING)
    url = f"/api/v1/payments/{payment['id']}/refresh"
    for _ in range(10):
        assert client.post(url, headers=customer.headers).get_json()["status"] == "pending"
    assert sum(call.request.url == QUERY_URL for call in daraja.calls) == 1
    with time_machine.travel(utcnow() + timedelta(seconds=11), tick=False):
        client.post(url, headers=customer.headers)
    assert sum(call.request.url == QUERY_URL for call in daraja.calls) == 2


def test_refreshes_are_capped_per_user(app, client, customer, order, daraja, monkeypatch):
    monkeypatch.setitem(app.config, "PAYMENT_QUERIES_PER_USER", "3/minute")
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    url = f"/api/v1/payments/{payment['id']}/refresh"
    daraja.post(QUERY_URL, status=500, json=PROCESSING)
    assert [client.post(url, headers=customer.headers).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_a_provider_with_every_slot_waiting_is_503_at_once(app, client, customer, address, order, daraja, monkeypatch):
    """The bulkhead: a slow provider holds at most PROVIDER_CALLS_AT_ONCE threads of a worker;
    one call more does not wait for it."""
    from app.payments.gateways import in_flight

    monkeypatch.setitem(app.config, "PROVIDER_CALLS_AT_ONCE", 1)
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    with in_flight.slot(1):  # another thread's call to the provider, still waiting
        response = client.post(f"/api/v1/payments/{payment['id']}/refresh", headers=customer.headers)
        assert_problem(response, 503, "provider_busy")
        assert response.headers["Retry-After"]
        another = order_of_1500(client, customer, address, "mpesa")
        assert_problem(push(client, customer, another), 503, "provider_busy")
    assert not [call for call in daraja.calls if call.request.url == QUERY_URL]


def test_the_reconciliation_task_settles_pending_payments(client, customer, order, daraja):
    from app.payments.tasks import reconcile_pending_payments

    daraja.post(PUSH_URL, json=accepted())
    push(client, customer, order)
    daraja.post(QUERY_URL, json={"ResponseCode": "0", "ResultCode": "1032", "ResultDesc": "Request cancelled by user"})
    assert reconcile_pending_payments.delay().result == 0  # too young to ask about
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        assert reconcile_pending_payments.delay().result == 1
    assert db.session.scalar(select(Payment.status)) == "cancelled"


def test_a_paid_order_is_never_paid_twice(client, customer, order, daraja):
    daraja.post(PUSH_URL, json=accepted("ws_CO_first"))
    first = push(client, customer, order).get_json()
    # The first prompt seemed lost; a second one is sent once the first is old.
    with time_machine.travel(utcnow() + timedelta(minutes=4), tick=False):
        daraja.post(PUSH_URL, json=accepted("ws_CO_second"))
        second = push(client, customer, order).get_json()
        client.post(CALLBACK, json=success_callback("ws_CO_second", receipt="RCPT2"))
        client.post(CALLBACK, json=success_callback("ws_CO_first", receipt="RCPT1"))
    late = db.session.get(Payment, first["id"])
    assert db.session.get(Payment, second["id"]).status == "succeeded"
    assert late.status == "succeeded" and late.needs_refund is True
    paid = client.get(f"{ORDERS}/{order['id']}", headers=customer.headers).get_json()
    assert sum(e["to_status"] == "paid" for e in paid["history"]) == 1
    assert_problem(push(client, customer, order), 409, "order_not_payable")


def test_payments_are_their_customers(client, customer, other_customer, order, daraja, admin):
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    for url in (f"/api/v1/payments/{payment['id']}", f"/api/v1/payments/{payment['id']}/refresh"):
        method = client.post if url.endswith("refresh") else client.get
        assert_problem(method(url, headers=other_customer.headers), 404, "payment_not_found")
    listing = client.get(f"{ORDERS}/{order['id']}/payments", headers=other_customer.headers)
    assert_problem(listing, 404, "order_not_found")
    assert [
        p["id"] for p in client.get(f"{ORDERS}/{order['id']}/payments", headers=customer.headers).get_json()["items"]
    ] == [payment["id"]]
    assert client.get(f"/api/v1/payments/{payment['id']}", headers=admin.headers).status_code == 200
    assert_problem(push(client, other_customer, order), 404, "order_not_found")


def test_a_cash_order_is_not_paid_by_mpesa(client, customer, address, zone, daraja):
    add_to_cart(client, customer, ProductFactory(stock=5))
    cash = checkout(client, customer, address, payment_method="cash").get_json()
    assert_problem(push(client, customer, cash), 409, "order_not_payable")


def test_phone_numbers_are_normalised_or_refused():
    from app.payments.gateways.mpesa import msisdn

    for raw in ("0708374149", "+254708374149", "254708374149", "708374149", "0110 123 456"):
        assert re.fullmatch(r"254[17]\d{8}", msisdn(raw)), raw
    for bad in ("0208374149", "12345", ""):
        with pytest.raises(ValueError):
            msisdn(bad)


@pytest.mark.parametrize(
    "result,status", [("success", "succeeded"), ("cancelled", "cancelled"), ("insufficient", "failed")]
)
def test_simulate_callback_posts_safaricoms_payload_to_our_callback(
    app, client, customer, order, daraja, result, status
):
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    posted = []

    def forward(request):
        # What the command sent, handed to the app as Safaricom's post would be.
        answer = client.post(request.path_url, data=request.body, content_type="application/json")
        posted.append(json.loads(request.body))
        return answer.status_code, {}, answer.get_data()

    daraja.add_callback(responses.POST, f"https://shop.example.co.ke{CALLBACK}", callback=forward)  # PUBLIC_BASE_URL
    result_run = app.test_cli_runner().invoke(
        args=["payments", "simulate-callback", str(payment["id"]), "--result", result]
    )
    assert result_run.exit_code == 0, result_run.output
    assert "callback answered 200" in result_run.output
    [body] = posted
    assert body["Body"]["stkCallback"]["CheckoutRequestID"] == CHECKOUT_ID
    assert db.session.get(Payment, payment["id"]).status == status


def test_simulate_callback_honours_the_base_url_and_says_when_nobody_answers(app, client, customer, order, daraja):
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    daraja.post(f"http://127.0.0.1:8123{CALLBACK}", body=requests.exceptions.ConnectionError("refused"))
    run = app.test_cli_runner().invoke(
        args=["payments", "simulate-callback", str(payment["id"]), "--base-url", "http://127.0.0.1:8123"]
    )
    assert run.exit_code == 1
    assert "did not answer at http://127.0.0.1:8123" in run.output and "Traceback" not in run.output
    assert [call.request.url for call in daraja.calls][-1] == f"http://127.0.0.1:8123{CALLBACK}"


@pytest.mark.own_database
def test_simulate_callback_holds_no_lock_while_the_server_writes(tmp_path):
    """On SQLite every transaction takes the write lock: the command must have ended its own
    before the server (another connection) writes the callback, or both wait 15 s."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from flask_migrate import upgrade

    from app import create_app
    from app.common.db import unit_of_work
    from tests.factories import DeliveryZoneFactory, UserFactory

    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'cli.db'}"})
    with app.app_context():
        upgrade()
        with unit_of_work():
            from app.orders.models import Order
            from app.payments.models import Payment

            user = UserFactory()
            DeliveryZoneFactory()
            db.session.flush()
            order = Order(
                reference="DKTESTLOCK1",
                user_id=user.id,
                status="pending_payment",
                payment_method="mpesa",
                currency="KES",
                subtotal=Decimal("100.00"),
                delivery_fee=Decimal("0.00"),
                total=Decimal("100.00"),
                shipping_address={},
                delivery_zone={},
            )
            db.session.add(order)
            db.session.flush()
            payment = Payment(
                order_id=order.id,
                user_id=user.id,
                provider="mpesa",
                amount=Decimal("100.00"),
                currency="KES",
                order_amount=Decimal("100.00"),
                provider_reference="ws_CO_lock",
                details={},
            )
            db.session.add(payment)
            db.session.flush()
            payment_id = payment.id
    wrote = []

    class Server(BaseHTTPRequestHandler):
        def do_POST(self):  # the server's side: a write on its own connection, with a short wait
            import sqlite3

            connection = sqlite3.connect(tmp_path / "cli.db", timeout=2, isolation_level=None)
            try:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("UPDATE payments SET failure_reason = 'written' WHERE id = ?", (payment_id,))
                connection.execute("COMMIT")
                wrote.append(True)
                self.send_response(200)
            except sqlite3.OperationalError:
                self.send_response(503)
            finally:
                connection.close()
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with responses.RequestsMock(passthru_prefixes=("http://127.0.0.1",)):
            run = app.test_cli_runner().invoke(
                args=[
                    "payments",
                    "simulate-callback",
                    str(payment_id),
                    "--base-url",
                    f"http://127.0.0.1:{server.server_address[1]}",
                ]
            )
    finally:
        server.shutdown()
        server.server_close()
    assert run.exit_code == 0, run.output
    assert "callback answered 200" in run.output and wrote == [True]


@pytest.mark.parametrize(
    "stub",
    [{"body": requests.exceptions.ReadTimeout("slow")}, {"status": 503, "body": "<html>Service Unavailable</html>"}],
)
def test_a_refresh_while_mpesa_is_down_is_502_and_the_payment_stays_pending(client, customer, order, daraja, stub):
    daraja.post(PUSH_URL, json=accepted())
    payment = push(client, customer, order).get_json()
    daraja.post(QUERY_URL, **stub)
    response = client.post(f"/api/v1/payments/{payment['id']}/refresh", headers=customer.headers)
    assert_problem(response, 502, "provider_unavailable")
    assert "consumer-secret" not in response.get_data(as_text=True)
    assert db.session.get(Payment, payment["id"]).status == "pending"
    assert db.session.get(Order, order["id"]).status == "pending_payment"
