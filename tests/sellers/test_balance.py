"""`/seller/balance` and `/seller/statement`: a seller's money as the ledger has it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import time_machine

from app.common.types import utcnow
from app.sellers.services.earnings import release_due
from tests.conftest import Actor
from tests.factories import UserFactory
from tests.helpers import assert_problem
from tests.sellers.conftest import ask_return, deliver_parts, refund_return
from tests.sellers.test_seller_orders import owner_of

BALANCE, STATEMENT = "/api/v1/seller/balance", "/api/v1/seller/statement"


def test_a_sellers_balance_follows_its_orders_through_release_and_return(app, client, admin, customer, paid):
    kikapu = owner_of(paid["kikapu"])
    assert client.get(BALANCE, headers=kikapu.headers).get_json() == {
        "currency": "KES",
        "pending": "2100.00",
        "available": "0.00",
        "in_payout": "0.00",
        "negative_carry": "0.00",
        "lifetime_earned": "2100.00",
        "lifetime_commission": "233.33",
    }
    deliver_parts(client, admin, paid)
    made = ask_return(client, customer, paid, paid["mat"], 1)
    refund_return(client, admin, made)  # the mat: 333.33, of which 33.33 commission
    with time_machine.travel(utcnow() + timedelta(days=app.config["RETURN_WINDOW_DAYS"], minutes=1), tick=False):
        release_due()
    seen = client.get(BALANCE, headers=kikapu.headers).get_json()
    assert (seen["pending"], seen["available"]) == ("0.00", "1800.00")
    assert (seen["lifetime_earned"], seen["lifetime_commission"]) == ("1800.00", "200.00")

    page = client.get(STATEMENT, headers=kikapu.headers).get_json()
    assert page["meta"] == {"page": 1, "per_page": 20, "total": 3, "pages": 1}
    rows = [
        (line["kind"], line["amount"], line["pending"], line["available"], line["balance"]) for line in page["items"]
    ]
    assert rows == [
        ("sale", "2100.00", "2100.00", "0.00", "2100.00"),
        ("return", "-300.00", "-300.00", "0.00", "1800.00"),
        ("release", "0.00", "-1800.00", "1800.00", "1800.00"),
    ]
    part = paid["order"]["reference"] + "-1"
    assert [line["reference"] for line in page["items"]] == [part, part, part]
    # Another seller sees its own only.
    hub = client.get(STATEMENT, headers=owner_of(paid["hub"]).headers).get_json()
    assert [line["kind"] for line in hub["items"]] == ["sale", "release"]


def test_a_statement_page_and_a_period_keep_the_running_balance(app, client, admin, customer, paid):
    kikapu = owner_of(paid["kikapu"])
    deliver_parts(client, admin, paid)
    later = utcnow() + timedelta(days=app.config["RETURN_WINDOW_DAYS"] + 1)
    with time_machine.travel(later, tick=False):
        release_due()
    second = client.get(f"{STATEMENT}?per_page=1&page=2", headers=kikapu.headers).get_json()
    assert [(line["kind"], line["balance"]) for line in second["items"]] == [("release", "2100.00")]
    day = later.date().isoformat()
    only_then = client.get(f"{STATEMENT}?from={day}&to={day}", headers=kikapu.headers).get_json()
    # What came before `from` counts in the balance, not in the lines.
    assert [(line["kind"], line["amount"], line["balance"]) for line in only_then["items"]] == [
        ("release", "0.00", "2100.00")
    ]
    before = client.get(f"{STATEMENT}?to={(later.date() - timedelta(days=1)).isoformat()}", headers=kikapu.headers)
    assert [line["kind"] for line in before.get_json()["items"]] == ["sale"]
    backwards = client.get(f"{STATEMENT}?from={day}&to=2020-01-01", headers=kikapu.headers)
    assert assert_problem(backwards, 422, "validation_error")["errors"] == {"to": ["Must not be before `from`."]}


def test_the_statement_downloads_as_csv(client, paid):
    kikapu = owner_of(paid["kikapu"])
    response = client.get(f"{STATEMENT}.csv", headers=kikapu.headers)
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="statement.csv"'
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["date", "kind", "reference", "memo", "amount", "pending", "available", "in_payout", "balance"]
    assert rows[1][1:] == [
        "sale",
        paid["order"]["reference"] + "-1",
        f"Sale {paid['order']['reference']}-1",
        "2100.00",
        "2100.00",
        "0.00",
        "0.00",
        "2100.00",
    ]
    assert Decimal(rows[1][-1]) == Decimal("2100.00") and len(rows) == 2


def test_only_sellers_have_a_balance(client, customer):
    storeless = Actor(UserFactory(role="supplier"))
    assert_problem(client.get(BALANCE, headers=customer.headers), 403, "forbidden")
    assert_problem(client.get(BALANCE, headers=storeless.headers), 403, "not_a_seller")
    assert_problem(client.get(f"{STATEMENT}.csv", headers=storeless.headers), 403, "not_a_seller")
    assert_problem(client.get(STATEMENT), 401, "missing_token")


def test_a_period_is_of_days_a_shop_has(client, paid):  # noqa: F811
    kikapu = owner_of(paid["kikapu"])
    far = client.get(f"{STATEMENT}?to=9999-12-31", headers=kikapu.headers)  # the day after would overflow
    assert assert_problem(far, 422, "validation_error")["errors"] == {"to": ["A day from 2000-01-01 to 2999-12-31."]}
