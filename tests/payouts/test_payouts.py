"""Payouts by M-Pesa B2C through the local sandbox: the real gateway, result routes and secret over
HTTP (the test client serving PUBLIC_BASE_URL); the receiving number chooses the outcome."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from sqlalchemy import select

from app.common.types import utcnow
from app.extensions import db
from app.ledger import chart
from app.ledger.chart import SellerBucket
from app.ledger.services import balances, verify
from app.notifications.models import Notification
from app.payments.models import PaymentEvent
from app.payouts.models import Payout, PayoutControl
from app.payouts.services.disbursement import check_unsettled
from app.sandbox.store import deliver_pending
from tests.helpers import assert_problem, emails_to

MINE, ADMIN = "/api/v1/seller/payouts", "/api/v1/payouts"


@pytest.fixture(autouse=True)
def books_are_true():
    yield
    assert verify() == []


def held(store_id: int) -> dict[str, Decimal]:
    accounts = [chart.seller(store_id, bucket) for bucket in SellerBucket]
    return {code.rsplit(":", 1)[1]: amount for code, amount in balances(accounts).items()}


def b2c_float() -> Decimal:
    return balances([chart.B2C_FLOAT])[chart.B2C_FLOAT.code]


def payout_of(payout_id: int) -> Payout:
    return db.session.get(Payout, payout_id, populate_existing=True)


def number(earner, phone: str) -> None:
    earner.account.contact_phone = phone
    db.session.commit()


def ask(client, earner, **body):
    return client.post(MINE, json=body, headers=earner.headers)


def requests_to(sandbox, path: str) -> list[dict]:
    return [json.loads(call.request.body) for call in sandbox.calls if call.request.url.endswith(path)]


def test_a_seller_is_paid_out_end_to_end(app, client, earner, sandbox):
    response = ask(client, earner)
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["amount"] == "5000.00"  # the whole shillings; the 0.50 stays
    [payout] = made["payouts"]
    assert (payout["status"], payout["phone"], payout["origin"]) == ("queued", "254712345678", "request")
    assert response.headers["Location"].endswith(f"/api/v1/seller/payouts/{payout['id']}")
    # Sent once the claim committed: Daraja acknowledged it.
    assert payout_of(payout["id"]).status == "submitted"
    assert held(earner.store_id) == {"pending": 0, "available": Decimal("0.50"), "in_payout": Decimal("5000.00")}

    [sent] = requests_to(sandbox, "/mpesa/b2c/v3/paymentrequest")
    assert set(sent) == {
        "OriginatorConversationID", "InitiatorName", "SecurityCredential", "CommandID", "Amount",
        "PartyA", "PartyB", "Remarks", "QueueTimeOutURL", "ResultURL",
    }  # fmt: skip
    record = payout_of(payout["id"])
    assert sent["OriginatorConversationID"] == record.originator_id
    assert (sent["CommandID"], sent["Amount"], sent["PartyA"], sent["PartyB"]) == (
        "BusinessPayment",
        5000,
        app.config["MPESA_B2C_SHORTCODE"],
        "254712345678",
    )
    secret = app.config["MPESA_CALLBACK_SECRET"]
    base = app.config["PUBLIC_BASE_URL"]
    assert sent["ResultURL"] == f"{base}/api/v1/payouts/mpesa/payment/result/{secret}"
    assert sent["QueueTimeOutURL"] == f"{base}/api/v1/payouts/mpesa/payment/timeout/{secret}"
    key = serialization.load_pem_private_key(
        (Path(app.config["PAYMENT_SANDBOX_DIR"]) / "b2c-key.pem").read_bytes(), password=None
    )
    plain = key.decrypt(base64.b64decode(sent["SecurityCredential"]), padding.PKCS1v15())
    assert plain.decode() == app.config["MPESA_INITIATOR_PASSWORD"]

    assert deliver_pending(app) == [200]  # Safaricom's result
    paid = payout_of(payout["id"])
    assert paid.status == "paid" and paid.receipt and paid.recipient_name.endswith("SANDBOX RECIPIENT")
    assert paid.completed_at is not None and paid.result_code == "0"
    assert held(earner.store_id)["in_payout"] == 0 and b2c_float() == Decimal("-5000.00")
    event = db.session.scalar(select(PaymentEvent).where(PaymentEvent.kind == "b2c-payment-result"))
    assert event.outcome == f"payout {paid.id}: paid"
    told = db.session.scalars(select(Notification.title).where(Notification.user_id == earner.actor.user.id)).all()
    assert "Payout sent" in told
    assert any(email.subject == "Payout sent" for email in emails_to(earner.actor.user.email))
    seen = client.get(f"{MINE}/{paid.id}", headers=earner.headers).get_json()
    assert [step["to_status"] for step in seen["history"]] == ["queued", "submitted", "paid"]
    statement = client.get("/api/v1/seller/statement", headers=earner.headers).get_json()["items"]
    assert [(line["kind"], line["amount"]) for line in statement] == [
        ("sale", "5000.50"),
        ("payout", "0.00"),  # claimed: available -> in payout
        ("payout_paid", "-5000.00"),
    ]


def test_a_result_seen_twice_a_late_one_and_a_wrong_secret_change_nothing(app, client, earner, sandbox):
    payout_id = ask(client, earner).get_json()["payouts"][0]["id"]
    delivery = app.extensions["duka.sandbox"].pending[0]
    assert deliver_pending(app) == [200]
    again = client.post(delivery.url.split(app.config["PUBLIC_BASE_URL"])[1], data=delivery.body)
    assert again.status_code == 200
    assert payout_of(payout_id).status == "paid" and b2c_float() == Decimal("-5000.00")
    events = db.session.scalars(select(PaymentEvent).where(PaymentEvent.kind == "b2c-payment-result")).all()
    assert len(events) == 1  # the second one is the same event
    body = json.loads(delivery.body)
    body["Result"]["ResultCode"] = 2040  # a failure after the success: paid stays paid
    body["Result"].pop("ResultParameters")
    late = client.post(delivery.url.split(app.config["PUBLIC_BASE_URL"])[1], json=body)
    assert late.status_code == 200 and payout_of(payout_id).status == "paid"
    wrong = client.post("/api/v1/payouts/mpesa/payment/result/not-the-secret", json=body)
    assert_problem(wrong, 404, "payout_not_found")
    garbage = client.post(f"/api/v1/payouts/mpesa/payment/result/{app.config['MPESA_CALLBACK_SECRET']}", json={"x": 1})
    assert_problem(garbage, 422, "not_a_callback")


@pytest.mark.parametrize(
    "phone,code",
    [("+254700002040", "2040"), ("+254700000003", "SFC_IC0003")],
)
def test_a_number_mpesa_cannot_pay_fails_the_payout_and_gives_the_money_back(app, client, earner, sandbox, phone, code):
    number(earner, phone)
    payout_id = ask(client, earner).get_json()["payouts"][0]["id"]
    assert deliver_pending(app) == [200]
    failed = payout_of(payout_id)
    assert (failed.status, failed.result_code) == ("failed", code)
    assert held(earner.store_id) == {"pending": 0, "available": Decimal("5000.50"), "in_payout": 0}
    told = db.session.scalars(select(Notification.body).where(Notification.user_id == earner.actor.user.id)).all()
    assert any("could not be sent" in body and "back in your balance" in body for body in told)
    assert not db.session.get(PayoutControl, 1).paused  # the number's problem, not ours


@pytest.mark.parametrize("phone,code", [("+254700002001", "2001"), ("+254700000001", "1")])
def test_an_answer_that_our_set_up_is_wrong_pauses_every_payout(app, client, admin, earner, sandbox, phone, code):
    number(earner, phone)
    payout_id = ask(client, earner).get_json()["payouts"][0]["id"]
    assert deliver_pending(app) == [200]
    assert payout_of(payout_id).status == "failed"
    assert held(earner.store_id)["available"] == Decimal("5000.50")
    control = client.get(f"{ADMIN}/control", headers=admin.headers).get_json()
    assert control["paused"] and f"code {code}" in control["reason"]
    alerts = db.session.scalars(select(Notification.body).where(Notification.user_id == admin.user.id)).all()
    assert any("payouts are paused" in body for body in alerts)
    assert_problem(ask(client, earner), 409, "payouts_paused")
    number(earner, "+254712345678")
    resumed = client.put(f"{ADMIN}/control", json={"paused": False}, headers=admin.headers)
    assert resumed.status_code == 200 and not resumed.get_json()["paused"]
    retried = client.post(f"{ADMIN}/{payout_id}/retry", headers=admin.headers)
    assert retried.status_code == 201, retried.get_json()
    again = retried.get_json()["payouts"][0]
    assert (again["origin"], again["retry_of_id"], again["phone"]) == ("retry", payout_id, "254712345678")
    assert deliver_pending(app) == [200]
    assert payout_of(again["id"]).status == "paid"
    assert len(requests_to(sandbox, "/mpesa/b2c/v3/paymentrequest")) == 2  # a new payout, not a re-send


def test_a_queue_timeout_is_settled_by_the_status_query_never_by_sending_again(app, client, earner, sandbox):
    number(earner, "+254700000099")
    payout_id = ask(client, earner).get_json()["payouts"][0]["id"]
    assert deliver_pending(app) == [200]  # the QueueTimeOutURL
    assert payout_of(payout_id).status == "unknown"
    assert check_unsettled() == 1
    [query] = requests_to(sandbox, "/mpesa/transactionstatus/v1/query")
    record = payout_of(payout_id)
    assert (query["CommandID"], query["OriginalConversationID"], query["IdentifierType"]) == (
        "TransactionStatusQuery",
        record.originator_id,
        "4",
    )
    assert query["ResultURL"].endswith(f"/api/v1/payouts/mpesa/status/result/{app.config['MPESA_CALLBACK_SECRET']}")
    assert deliver_pending(app) == [200]  # the query's result: Completed
    paid = payout_of(payout_id)
    assert paid.status == "paid" and paid.receipt
    assert len(requests_to(sandbox, "/mpesa/b2c/v3/paymentrequest")) == 1
    assert b2c_float() == Decimal("-5000.00")


@pytest.mark.parametrize(
    "phone,status,available", [("+254700000000", "paid", "0.50"), ("+254700000098", "failed", "5000.50")]
)
def test_no_result_in_time_is_asked_after_and_settled_by_what_mpesa_says(
    app, client, earner, sandbox, phone, status, available
):
    number(earner, phone)
    payout_id = ask(client, earner).get_json()["payouts"][0]["id"]
    assert deliver_pending(app) == []  # nothing comes
    assert check_unsettled() == 0  # not yet: PAYOUT_RESULT_WAIT_MINUTES
    later = utcnow() + timedelta(minutes=app.config["PAYOUT_RESULT_WAIT_MINUTES"] + 1)
    assert check_unsettled(later) == 1
    assert payout_of(payout_id).status == "unknown"
    assert deliver_pending(app) == [200]
    assert payout_of(payout_id).status == status
    assert held(earner.store_id)["available"] == Decimal(available)
    assert len(requests_to(sandbox, "/mpesa/b2c/v3/paymentrequest")) == 1


def test_amounts_are_whole_shillings_within_the_balance(app, client, earner, sandbox):
    assert_problem(ask(client, earner, amount="100.50"), 422, "validation_error")
    assert_problem(ask(client, earner, amount="99"), 422, "validation_error")  # PAYOUT_MIN_AMOUNT
    too_much = assert_problem(ask(client, earner, amount="5001"), 409, "insufficient_balance")
    assert too_much["available"] == "5000"
    assert ask(client, earner, amount="1200").get_json()["amount"] == "1200.00"
    assert held(earner.store_id)["available"] == Decimal("3800.50")


def test_a_negative_balance_is_covered_before_anything_is_paid_out(client, earner, sandbox):
    from tests.payouts.conftest import make_available

    make_available(earner.store_id, "-6000.00", key="test:refund-after-payout")
    db.session.commit()
    refused = assert_problem(ask(client, earner), 409, "negative_balance")
    assert refused["balance"] == "-999.50"


def test_large_payouts_go_as_several_transactions_and_wait_for_an_admin(app, client, admin, earner, sandbox):
    from tests.payouts.conftest import make_available

    make_available(earner.store_id, "595000.00", key="test:big")
    db.session.commit()
    made = ask(client, earner).get_json()
    assert made["amount"] == "600000.00"
    assert [(p["amount"], p["status"]) for p in made["payouts"]] == [("200000.00", "pending_approval")] * 3
    assert len({p["batch"] for p in made["payouts"]}) == 1
    assert held(earner.store_id)["in_payout"] == Decimal("600000.00")
    assert requests_to(sandbox, "/mpesa/b2c/v3/paymentrequest") == []
    first, second, third = (p["id"] for p in made["payouts"])
    approved = client.post(f"{ADMIN}/{first}/approve", headers=admin.headers)
    assert approved.status_code == 200 and approved.get_json()["status"] == "queued"
    assert payout_of(first).status == "submitted"
    rejected = client.post(f"{ADMIN}/{second}/reject", json={"reason": "Unusual amount"}, headers=admin.headers)
    assert rejected.get_json()["status"] == "rejected"
    assert held(earner.store_id) == {
        "pending": 0,
        "available": Decimal("200000.50"),  # the rejected one's money is back
        "in_payout": Decimal("400000.00"),
    }
    assert_problem(client.post(f"{ADMIN}/{second}/approve", headers=admin.headers), 409, "payout_not_decidable")
    listed = client.get(f"{ADMIN}?status=pending_approval", headers=admin.headers).get_json()
    assert [p["id"] for p in listed["items"]] == [third]


def test_four_eyes_the_admin_who_asked_cannot_approve(app, client, admin, other_admin, earner, sandbox, monkeypatch):
    number(earner, "+254700002040")
    failed_id = ask(client, earner, amount="3000").get_json()["payouts"][0]["id"]
    deliver_pending(app)
    assert payout_of(failed_id).status == "failed"
    number(earner, "+254712345678")
    monkeypatch.setitem(app.config, "PAYOUT_APPROVAL_THRESHOLD", 1000)
    retried = client.post(f"{ADMIN}/{failed_id}/retry", headers=admin.headers).get_json()["payouts"][0]
    assert retried["status"] == "pending_approval"
    assert_problem(client.post(f"{ADMIN}/{retried['id']}/approve", headers=admin.headers), 403, "same_approver")
    approved = client.post(f"{ADMIN}/{retried['id']}/approve", headers=other_admin.headers)
    assert approved.status_code == 200
    assert payout_of(retried["id"]).decided_by_id == other_admin.user.id
    assert_problem(client.post(f"{ADMIN}/{retried['id']}/retry", headers=admin.headers), 409, "payout_not_retryable")


def test_a_new_payout_number_needs_the_password_and_is_held(app, client, earner, sandbox):
    url = "/api/v1/seller/payout-number"
    assert client.get(url, headers=earner.headers).get_json() == {"phone": "+254712345678", "held_until": None}
    wrong = client.put(url, json={"phone": "0722000111", "password": "not-it"}, headers=earner.headers)
    assert_problem(wrong, 422, "wrong_password")
    changed = client.put(url, json={"phone": "0722000111", "password": earner.actor.password}, headers=earner.headers)
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["phone"] == "+254722000111" and changed.get_json()["held_until"]
    assert any(e.subject == "Your payout number changed" for e in emails_to(earner.actor.user.email))
    payout = ask(client, earner).get_json()["payouts"][0]
    assert payout["phone"] == "254722000111" and payout["not_before"]
    assert payout_of(payout["id"]).status == "queued"  # held: not sent
    from app.payouts.services.disbursement import send_due

    assert send_due() == 0
    hours = app.config["PAYOUT_NUMBER_HOLD_HOURS"]
    with time_machine.travel(utcnow() + timedelta(hours=hours, minutes=1), tick=False):
        assert send_due() == 1
    assert payout_of(payout["id"]).status == "submitted"


def test_the_scheduled_run_pays_out_every_seller_with_enough(app, client, earner, sandbox):
    from app.sellers.services.payouts import scheduled_payouts
    from tests.factories import SellerAccountFactory
    from tests.payouts.conftest import make_available

    small = SellerAccountFactory()
    make_available(small.store_id, "99.99")  # under PAYOUT_MIN_AMOUNT
    db.session.commit()
    assert scheduled_payouts() == 1
    [payout] = db.session.scalars(select(Payout)).all()
    assert (payout.seller_id, payout.origin, payout.amount, payout.requested_by_id) == (
        earner.store_id,
        "schedule",
        Decimal("5000.00"),
        None,
    )


def test_payouts_are_the_sellers_own_and_the_admins(client, customer, earner, sandbox):
    payout_id = ask(client, earner).get_json()["payouts"][0]["id"]
    mine = client.get(MINE, headers=earner.headers).get_json()
    assert [p["id"] for p in mine["items"]] == [payout_id]
    other = SellerAccountFactory_actor()
    assert client.get(MINE, headers=other.headers).get_json()["items"] == []
    assert_problem(client.get(f"{MINE}/{payout_id}", headers=other.headers), 404, "payout_not_found")
    assert_problem(client.get(ADMIN, headers=earner.headers), 403, "forbidden")
    assert_problem(client.post(MINE, json={}, headers=customer.headers), 403, "forbidden")


def SellerAccountFactory_actor():  # noqa: N802 (reads as what it makes)
    from app.auth.models import User
    from tests.conftest import Actor
    from tests.factories import SellerAccountFactory

    account = SellerAccountFactory()
    return Actor(db.session.get(User, account.user_id))


def test_the_cron_twins_of_the_beat_jobs(app, earner, sandbox):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["sellers", "scheduled-payouts"]).output == "paid out 1 sellers\n"
    assert runner.invoke(args=["payouts", "send-due"]).output == "sent 0 payouts\n"  # sent at once already
    assert runner.invoke(args=["payouts", "check"]).output == "asked about 0 payouts\n"


def test_pausing_needs_a_reason(client, admin):
    refused = client.put(f"{ADMIN}/control", json={"paused": True}, headers=admin.headers)
    assert assert_problem(refused, 422, "validation_error")["errors"] == {"reason": ["Say why payouts are paused."]}
    paused = client.put(f"{ADMIN}/control", json={"paused": True, "reason": "Float top-up"}, headers=admin.headers)
    assert paused.get_json()["paused"] and paused.get_json()["reason"] == "Float top-up"
