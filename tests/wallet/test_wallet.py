"""The customer wallet: its balance and transactions from the ledger, M-Pesa top-ups through the
local sandbox (the real gateway, the wallet's callback route and secret), admins' adjustments."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.ledger import chart
from app.ledger.services import balances, verify
from app.notifications.models import Notification
from app.payments.models import PaymentEvent
from app.sandbox.store import deliver_pending
from app.wallet.models import TopUp
from tests.helpers import assert_problem
from tests.payments.conftest import card_order, paystack_api  # noqa: F401 (fixtures)

WALLET, TOP_UPS = "/api/v1/wallet", "/api/v1/wallet/top-ups"


@pytest.fixture(autouse=True)
def books_are_true():
    yield
    assert verify() == []


def top_up(client, customer, amount="500", phone="0708374149"):
    return client.post(TOP_UPS, json={"amount": amount, "phone": phone}, headers=customer.headers)


def test_a_top_up_is_credited_when_mpesa_says_it_was_paid(app, client, customer, sandbox):
    assert client.get(WALLET, headers=customer.headers).get_json() == {
        "currency": "KES",
        "balance": "0.00",
        "held": "0.00",
        "in_withdrawal": "0.00",
    }
    started = top_up(client, customer)
    assert started.status_code == 202, started.get_json()
    made = started.get_json()
    assert (made["status"], made["amount"], made["phone"]) == ("pending", "500.00", "254708374149")
    assert made["checkout_request_id"].startswith("ws_CO_")
    assert client.get(WALLET, headers=customer.headers).get_json()["balance"] == "0.00"  # nothing until paid

    assert deliver_pending(app) == [200]  # Safaricom's callback, to the wallet's own URL
    callback = next(call for call in sandbox.calls if "/wallet/mpesa/callback/" in call.request.url)
    assert callback.request.url.endswith(f"/api/v1/wallet/mpesa/callback/{app.config['MPESA_CALLBACK_SECRET']}")
    seen = client.get(f"{TOP_UPS}/{made['id']}", headers=customer.headers).get_json()
    assert seen["status"] == "succeeded" and seen["receipt"]
    assert client.get(WALLET, headers=customer.headers).get_json()["balance"] == "500.00"
    assert balances([chart.cash("mpesa")])["cash:mpesa"] == Decimal("500.00")
    page = client.get(f"{WALLET}/transactions", headers=customer.headers).get_json()
    [line] = page["items"]
    assert (line["kind"], line["amount"], line["balance"], line["reference"]) == (
        "top_up",
        "500.00",
        "500.00",
        seen["receipt"],
    )
    told = db.session.scalars(select(Notification.title).where(Notification.user_id == customer.user.id)).all()
    assert "Wallet topped up" in told
    # The same callback again changes nothing.
    again = client.post(callback.request.url.split(app.config["PUBLIC_BASE_URL"])[1], data=callback.request.body)
    assert again.status_code == 200
    assert client.get(WALLET, headers=customer.headers).get_json()["balance"] == "500.00"
    assert len(db.session.scalars(select(PaymentEvent).where(PaymentEvent.kind == "top-up-callback")).all()) == 1


@pytest.mark.parametrize("phone,status", [("0700001032", "cancelled"), ("0700000001", "failed")])
def test_a_top_up_not_paid_credits_nothing(app, client, customer, sandbox, phone, status):
    made = top_up(client, customer, phone=phone).get_json()
    assert deliver_pending(app) == [200]
    assert db.session.get(TopUp, made["id"], populate_existing=True).status == status
    assert client.get(WALLET, headers=customer.headers).get_json()["balance"] == "0.00"


def test_a_lost_callback_is_found_by_the_query(app, client, customer, sandbox, monkeypatch):
    monkeypatch.setitem(app.config, "PAYMENT_SANDBOX_DELAY_SECONDS", 0)
    made = top_up(client, customer, phone="0700000000").get_json()  # paid, no callback ever
    assert deliver_pending(app) == []
    app.extensions["duka.sandbox"].delay = 0
    refreshed = client.post(f"{TOP_UPS}/{made['id']}/refresh", headers=customer.headers)
    assert refreshed.status_code == 200 and refreshed.get_json()["status"] == "succeeded"
    assert client.get(WALLET, headers=customer.headers).get_json()["balance"] == "500.00"


def test_top_ups_are_whole_shillings_and_the_customers_own(client, customer, other_customer, sandbox):
    assert_problem(top_up(client, customer, amount="100.50"), 422, "validation_error")
    assert_problem(top_up(client, customer, amount="5"), 422, "validation_error")
    made = top_up(client, customer).get_json()
    assert_problem(client.get(f"{TOP_UPS}/{made['id']}", headers=other_customer.headers), 404, "top_up_not_found")
    wrong = client.post("/api/v1/wallet/mpesa/callback/not-the-secret", json={})
    assert_problem(wrong, 404, "top_up_not_found")


def test_admins_adjust_a_wallet_with_a_reason_never_below_zero(client, admin, customer):
    url = f"/api/v1/wallets/{customer.user.id}/adjustments"
    credited = client.post(
        url, json={"amount": "250.00", "reason": "Sorry for the late delivery"}, headers=admin.headers
    )
    assert credited.status_code == 200, credited.get_json()
    assert credited.get_json()["balance"] == "250.00"
    too_much = client.post(url, json={"amount": "-300.00", "reason": "Correction"}, headers=admin.headers)
    assert assert_problem(too_much, 409, "insufficient_wallet")["balance"] == "250.00"
    taken = client.post(url, json={"amount": "-50.00", "reason": "Correction"}, headers=admin.headers)
    assert taken.get_json()["balance"] == "200.00"
    assert balances([chart.WALLET_ADJUSTMENTS])[chart.WALLET_ADJUSTMENTS.code] == Decimal("200.00")
    lines = client.get(f"{WALLET}/transactions", headers=customer.headers).get_json()["items"]
    assert [(line["kind"], line["amount"], line["memo"]) for line in lines] == [
        ("adjustment", "250.00", "Sorry for the late delivery"),
        ("adjustment", "-50.00", "Correction"),
    ]
    assert_problem(
        client.post(url, json={"amount": "0", "reason": "Nothing"}, headers=admin.headers), 422, "validation_error"
    )
    assert_problem(client.post(url, json={"amount": "5", "reason": "Mine"}, headers=customer.headers), 403, "forbidden")
    missing = client.post(
        "/api/v1/wallets/999999/adjustments", json={"amount": "5", "reason": "x" * 5}, headers=admin.headers
    )
    assert_problem(missing, 404, "wallet_not_found")


def credit(client, admin, customer, amount: str) -> None:
    url = f"/api/v1/wallets/{customer.user.id}/adjustments"
    assert client.post(url, json={"amount": amount, "reason": "Store credit"}, headers=admin.headers).status_code == 200


def test_a_withdrawal_is_a_b2c_payout_from_the_wallet(app, client, admin, customer, sandbox):
    from app.payouts.models import Payout

    credit(client, admin, customer, "1000.00")
    url = "/api/v1/wallet/withdrawals"
    wrong = client.post(url, json={"amount": "600", "password": "nope"}, headers=customer.headers)
    assert_problem(wrong, 422, "wrong_password")
    made = client.post(
        url, json={"amount": "600", "phone": "0712345678", "password": customer.password}, headers=customer.headers
    )
    assert made.status_code == 201, made.get_json()
    [payout] = made.get_json()["payouts"]
    assert (payout["payee"], payout["phone"], payout["amount"]) == ("wallet", "254712345678", "600.00")
    assert client.get(WALLET, headers=customer.headers).get_json() | {"currency": "KES"} == {
        "currency": "KES",
        "balance": "400.00",
        "held": "0.00",
        "in_withdrawal": "600.00",
    }
    assert deliver_pending(app) == [200]
    assert db.session.get(Payout, payout["id"], populate_existing=True).status == "paid"
    wallet = client.get(WALLET, headers=customer.headers).get_json()
    assert (wallet["balance"], wallet["in_withdrawal"]) == ("400.00", "0.00")
    assert balances([chart.B2C_FLOAT])[chart.B2C_FLOAT.code] == Decimal("-600.00")
    mine = client.get(url, headers=customer.headers).get_json()["items"]
    assert [p["status"] for p in mine] == ["paid"]
    kinds = [
        line["kind"] for line in client.get(f"{WALLET}/transactions", headers=customer.headers).get_json()["items"]
    ]
    assert kinds == ["adjustment", "payout", "payout_paid"]
    no_number = client.post(url, json={"amount": "100", "password": customer.password}, headers=customer.headers)
    assert assert_problem(no_number, 422, "validation_error")["errors"] == {
        "phone": ["A Kenyan mobile number, e.g. 0712345678."]  # none given, none in the profile
    }
    too_much = client.post(
        url, json={"amount": "500", "phone": "0712345678", "password": customer.password}, headers=customer.headers
    )
    assert assert_problem(too_much, 409, "insufficient_balance")["available"] == "400"


def test_a_failed_withdrawal_comes_back_and_an_admin_may_retry_it(app, client, admin, customer, sandbox):
    from app.payouts.models import Payout

    credit(client, admin, customer, "300.00")
    made = client.post(
        "/api/v1/wallet/withdrawals",
        json={"phone": "0700002040", "password": customer.password},
        headers=customer.headers,
    ).get_json()["payouts"][0]
    assert deliver_pending(app) == [200]
    assert db.session.get(Payout, made["id"], populate_existing=True).status == "failed"
    assert client.get(WALLET, headers=customer.headers).get_json()["balance"] == "300.00"
    retried = client.post(f"/api/v1/payouts/{made['id']}/retry", headers=admin.headers)
    assert retried.status_code == 201, retried.get_json()
    assert retried.get_json()["payouts"][0]["payee"] == "wallet"
    assert_problem(client.get(f"/api/v1/wallet/withdrawals/{made['id']}", headers=admin.headers), 403, "forbidden")


def test_pending_top_ups_are_asked_about_by_the_cron_twin(app, client, customer, sandbox):
    from datetime import timedelta

    import time_machine

    from app.common.types import utcnow

    made = top_up(client, customer, phone="0700000000").get_json()  # paid, no callback
    with time_machine.travel(utcnow() + timedelta(minutes=2), tick=False):
        assert app.test_cli_runner().invoke(args=["wallet", "reconcile"]).output == "settled 1 top-ups\n"
    assert db.session.get(TopUp, made["id"], populate_existing=True).status == "succeeded"


def test_a_refund_into_the_wallet_is_store_credit_at_once(
    app,
    client,
    admin,
    customer,
    card_order,  # noqa: F811
    paystack_api,  # noqa: F811
    monkeypatch,
):
    from app.payments.models import Payment
    from tests.sellers.test_part_cancellation import pay_by_card

    pay_by_card(client, customer, card_order, paystack_api)
    payment = db.session.scalar(select(Payment))
    response = client.post(
        f"/api/v1/payments/{payment.id}/refunds",
        json={"amount": "200.00", "reason": "Late delivery", "to_wallet": True},
        headers=admin.headers,
    )
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert (made["destination"], made["status"], made["provider_reference"]) == ("wallet", "succeeded", None)
    assert not [call for call in paystack_api.calls if call.request.url.endswith("/refund")]  # no provider
    assert client.get(WALLET, headers=customer.headers).get_json()["balance"] == "200.00"
    assert balances([chart.cash("paystack")])["cash:paystack"] == Decimal("1500.00")  # nothing left it
    assert db.session.get(Payment, payment.id, populate_existing=True).status == "partially_refunded"
    monkeypatch.setitem(app.config, "WALLET_REFUNDS", False)
    refused = client.post(
        f"/api/v1/payments/{payment.id}/refunds", json={"reason": "x", "to_wallet": True}, headers=admin.headers
    )
    assert assert_problem(refused, 422, "validation_error")["errors"] == {
        "to_wallet": ["This shop does not refund into wallets."]
    }


def test_mpesa_out_of_reach_leaves_no_top_up_behind(app, client, customer):
    import requests
    import responses as stub

    with stub.RequestsMock(assert_all_requests_are_fired=False) as network:
        for method in (stub.GET, stub.POST):  # Daraja times out, whichever call comes first
            network.add(method, re.compile(r".*"), body=requests.ConnectTimeout("slow"))
        failed = top_up(client, customer)
    assert_problem(failed, 502, "provider_unavailable")
    assert db.session.scalar(select(TopUp)) is None
