"""Return statistics: counts by status and reason, and the return rate, for admins and for each
seller over its own lines."""

from __future__ import annotations

from app.catalog.models import Seller
from app.extensions import db
from tests.helpers import assert_problem
from tests.returns.test_returns import act, ask, lines_of
from tests.sellers.test_seller_orders import owner_of

STATS = "/api/v1/returns/stats"
MINE = "/api/v1/seller/returns/stats"


def test_admins_and_sellers_see_counts_and_the_return_rate(client, customer, admin, card_paid, products):
    order, _, _ = card_paid  # 3 x A (seller A) and 1 x B (seller B): 4 units sold
    a, b = products
    ids = lines_of(order)
    kept = ask(client, customer, order, (ids["500.00"], 2), reason="damaged").get_json()
    refused = ask(client, customer, order, (ids["500.00"], 1), (ids["1000.00"], 1), reason="changed_mind").get_json()
    act(client, admin, refused, "reject", reason="Used")
    act(client, admin, kept, "approve")

    stats = client.get(STATS, headers=admin.headers)
    assert stats.status_code == 200, stats.get_json()
    body = stats.get_json()
    assert body["period"] == "30d" and body["returns"] == 2
    assert body["by_status"] == {
        "requested": 0,
        "approved": 1,
        "rejected": 1,
        "received": 0,
        "refunded": 0,
        "cancelled": 0,
    }
    assert body["by_reason"]["damaged"] == 1 and body["by_reason"]["changed_mind"] == 1
    assert (body["units_returned"], body["units_sold"], body["return_rate"]) == (2, 4, "0.5000")  # the rejected one not

    seller_a = owner_of(db.session.get(Seller, a.seller_id))
    mine = client.get(f"{MINE}?period=7d", headers=seller_a.headers).get_json()
    assert (mine["returns"], mine["units_returned"], mine["units_sold"], mine["return_rate"]) == (2, 2, 3, "0.6667")
    seller_b = owner_of(db.session.get(Seller, b.seller_id))
    theirs = client.get(MINE, headers=seller_b.headers).get_json()
    assert (theirs["returns"], theirs["units_returned"], theirs["units_sold"], theirs["return_rate"]) == (
        1,
        0,
        1,
        "0.0000",
    )


def test_stats_refuse_what_they_do_not_know(client, admin, customer, supplier):
    assert_problem(client.get(f"{STATS}?period=1y", headers=admin.headers), 422, "validation_error")
    assert_problem(client.get(STATS, headers=customer.headers), 403, "forbidden")
    assert_problem(client.get(STATS, headers=supplier.headers), 403, "forbidden")
    nothing = client.get(STATS, headers=admin.headers).get_json()
    assert (nothing["returns"], nothing["units_sold"], nothing["return_rate"]) == (0, 0, None)
