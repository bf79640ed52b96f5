"""A seller's dashboard: its own sales over a period against the one before, open parts, returns,
rating, low stock and best sellers."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.common.types import utcnow
from app.extensions import db
from app.orders.models import Order
from app.sellers.models import SellerOrder
from tests.factories import ProductFactory
from tests.helpers import assert_problem
from tests.sellers.test_seller_orders import owner_of, place

URL = "/api/v1/seller/dashboard"


def stock_of(product) -> int:
    from app.catalog.models import Product

    return db.session.get(Product, product.id, populate_existing=True).stock


def test_the_dashboard_counts_this_period_against_the_last(client, customer, address, two_sellers):
    s = two_sellers
    kikapu = owner_of(s["kikapu"])
    before = place(client, customer, address, (s["basket"], 1), method="cash")
    db.session.execute(  # placed ten days ago: the period before
        update(SellerOrder).where(SellerOrder.order_id == before["id"]).values(created_at=utcnow() - timedelta(days=10))
    )
    db.session.execute(update(Order).where(Order.id == before["id"]).values(created_at=utcnow() - timedelta(days=10)))
    place(client, customer, address, (s["basket"], 2), (s["mat"], 3), (s["radio"], 1), method="cash")
    place(client, customer, address, (s["basket"], 5))  # M-Pesa, unpaid: not a sale yet
    last_mat = ProductFactory(seller=s["kikapu"], name="Last mat", stock=2)

    response = client.get(f"{URL}?period=7d", headers=kikapu.headers)
    assert response.status_code == 200, response.get_json()
    board = response.get_json()
    # Kikapu's part only: 2 baskets at 1,000.00 and 3 mats at 333.33; no rate, nothing kept.
    assert board["sales"] == {"orders": 1, "units": 5, "gross": "2999.99", "commission": "0.00", "net": "2999.99"}
    assert board["previous"] == {"orders": 1, "units": 1, "gross": "1000.00", "commission": "0.00", "net": "1000.00"}
    assert board["open"] == {"awaiting_payment": 1, "to_fulfil": 2, "packed": 0, "shipped": 0}
    assert [(p["name"], p["units"], p["gross"]) for p in board["top_products"]] == [
        (s["mat"].name, 3, "999.99"),
        (s["basket"].name, 2, "2000.00"),
    ]
    low = {p["name"]: (p["stock"], p["threshold"]) for p in board["low_stock"]}
    assert low == {"Last mat": (2, 5), s["basket"].name: (stock_of(s["basket"]), 5)}
    assert board["low_stock_threshold"] == 5
    assert stock_of(s["basket"]) <= 5 < stock_of(s["mat"])  # the baskets sold down; the mats not

    # A product's own threshold: the mats matter sooner (at 100), the last mat never (0).
    mat_stock = stock_of(s["mat"])
    for product, threshold in ((s["mat"], 100), (last_mat, 0)):
        patched = client.patch(
            f"/api/v1/products/{product.id}", json={"low_stock_threshold": threshold}, headers=kikapu.headers
        )
        assert patched.status_code == 200, patched.get_json()
    low = {
        p["name"]: (p["stock"], p["threshold"]) for p in client.get(URL, headers=kikapu.headers).get_json()["low_stock"]
    }
    assert low == {s["mat"].name: (mat_stock, 100), s["basket"].name: (stock_of(s["basket"]), 5)}
    mine = client.get("/api/v1/seller/products", headers=kikapu.headers).get_json()["items"]
    assert {p["name"]: p["low_stock_threshold"] for p in mine}[s["mat"].name] == 100
    assert board["returns"] == {"returns": 0, "units_returned": 0, "units_sold": 5, "return_rate": "0.0000"}
    assert board["rating"] == {"average": "0.00", "count": 0}
    assert client.get(URL, headers=kikapu.headers).get_json()["sales"]["orders"] == 2  # 30 days by default


def test_the_dashboard_is_a_sellers_own(client, customer, supplier):
    assert_problem(client.get(URL, headers=customer.headers), 403, "forbidden")
    assert_problem(client.get(f"{URL}?period=1y", headers=supplier.headers), 422, "validation_error")
