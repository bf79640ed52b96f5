"""`/admin/finance`: the report and the postings export, from the ledger only."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import time_machine
from sqlalchemy import func, select

from app.common.types import utcnow
from app.extensions import db
from app.ledger.models import Posting
from app.sandbox.store import deliver_pending
from app.sellers.services.earnings import release_due
from tests.factories import SellerAccountFactory
from tests.helpers import assert_problem
from tests.payments.conftest import paystack_api  # noqa: F401 (a fixture)
from tests.sellers.conftest import paid, two_sellers  # noqa: F401 (fixtures)
from tests.sellers.test_part_cancellation import parts_by_seller
from tests.sellers.test_seller_orders import MINE, owner_of

SUMMARY, ENTRIES = "/api/v1/admin/finance/summary", "/api/v1/admin/finance/entries.csv"


def test_the_report_adds_up_an_order_a_cancelled_part_and_a_payout(app, client, admin, paid, sandbox):  # noqa: F811
    kikapu, hub = paid["kikapu"], paid["hub"]
    part = parts_by_seller(paid["order"]["id"])[kikapu.id]
    cancelled = client.post(
        f"{MINE}/{part.id}/cancel", json={"reason": "Out of stock"}, headers=owner_of(kikapu).headers
    )
    assert cancelled.status_code == 200
    deliver_parts_of_hub(client, admin, paid)
    with time_machine.travel(utcnow() + timedelta(days=app.config["RETURN_WINDOW_DAYS"], minutes=1), tick=False):
        assert release_due() == 1
    SellerAccountFactory(store=hub, contact_phone="+254712345678")
    db.session.commit()
    payout = client.post("/api/v1/seller/payouts", json={}, headers=owner_of(hub).headers)
    assert payout.status_code == 201, payout.get_json()
    assert deliver_pending(app) == [200]

    report = client.get(SUMMARY, headers=admin.headers).get_json()
    assert {name: report[name] for name in ("gross_sales", "given_back", "net_sales", "refunds", "goodwill")} == {
        "gross_sales": "5083.33",  # goods 4,833.33 and the delivery fee 250.00
        "given_back": "2333.33",  # Kikapu's lines
        "net_sales": "2750.00",
        "refunds": "2333.33",
        "goodwill": "0.00",
    }
    assert (report["commission_earned"], report["delivery_fees"], report["house_sales"]) == ("250.00", "250.00", "0.00")
    assert report["sellers"] == {"pending": "0.00", "available": "0.00", "in_payout": "0.00"}
    assert report["payouts"] == {"paid": "2250.00", "failed": "0.00", "unsettled": "0.00"}
    assert report["cash"] == {"paystack": "2750.00", "mpesa-b2c": "-2250.00"}
    assert (report["customer_funds"], report["wallet_liability"]) == ("0.00", "0.00")
    trial = report["trial_balance"]
    assert trial["balanced"] and trial["debits"] == trial["credits"] == "2750.00"
    assert {line["account"]: (line["debit"], line["credit"]) for line in trial["lines"]} == {
        "cash:paystack": ("2750.00", "0.00"),
        "cash:mpesa-b2c": ("0.00", "2250.00"),
        "revenue:commission": ("0.00", "250.00"),
        "revenue:delivery": ("0.00", "250.00"),
    }
    # A later period: no flows, the same balances.
    tomorrow = (utcnow() + timedelta(days=1)).date().isoformat()
    later = client.get(f"{SUMMARY}?from={tomorrow}", headers=admin.headers).get_json()
    assert (later["gross_sales"], later["cash"]["paystack"]) == ("0.00", "2750.00")
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    before = client.get(f"{SUMMARY}?to={yesterday}", headers=admin.headers).get_json()
    assert before["cash"] == {} and before["trial_balance"]["lines"] == []


def deliver_parts_of_hub(client, admin, sold) -> None:
    part = parts_by_seller(sold["order"]["id"])[sold["hub"].id]
    hub = owner_of(sold["hub"])
    for verb in ("pack", "ship"):
        assert client.post(f"{MINE}/{part.id}/{verb}", json={}, headers=hub.headers).status_code == 200
    assert client.post(f"/api/v1/seller-orders/{part.id}/deliver", json={}, headers=admin.headers).status_code == 200


def test_every_posting_of_a_period_downloads_as_csv(client, admin, paid):  # noqa: F811
    response = client.get(ENTRIES, headers=admin.headers)
    assert response.status_code == 200 and response.is_streamed and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == db.session.scalar(select(func.count(Posting.id)))
    sale = [row for row in rows if row["key"].endswith(":sale")]
    assert {row["account"] for row in sale} >= {"customer-funds", "revenue:commission"}
    assert sum(Decimal(row["amount"]) for row in rows) == 0
    assert any(row["amount"].startswith("-") for row in rows)  # numbers, not quoted as text
    empty = client.get(f"{ENTRIES}?from=2020-01-01&to=2020-01-31", headers=admin.headers)
    assert empty.get_data(as_text=True).splitlines() == [
        "entry_id,created_at,key,kind,reference,order_id,seller_id,memo,account,amount"
    ]


def test_the_report_is_for_admins(client, customer):
    assert_problem(client.get(SUMMARY, headers=customer.headers), 403, "forbidden")
    assert_problem(client.get(ENTRIES, headers=customer.headers), 403, "forbidden")
