"""PostgreSQL's plans for the order queries every checkout runs: each reads an index of what
it asks, not a range that grows with the shop's or the buyer's history."""

from __future__ import annotations

import pytest

from tests.factories import ProductFactory
from tests.helpers import add_to_cart, checkout, query_plan, sql_sent


@pytest.fixture(autouse=True)
def require_postgres(is_postgres):
    if not is_postgres:
        pytest.skip("PostgreSQL's planner")


def test_the_cap_on_unpaid_orders_reads_the_buyers_unpaid_orders_only(client, customer, address, zone):
    add_to_cart(client, customer, ProductFactory(stock=5), 1)
    with sql_sent() as statements:
        assert checkout(client, customer, address).status_code == 201
    statement, parameters = next(
        sent for sent in statements if "pending_payment" in str(sent[1]) and "count" in sent[0]
    )
    plan = query_plan(statement, parameters)
    # Not every order of the buyer (ix_orders_user_created) intersected with every unpaid order
    # of the shop (ix_orders_status_payment_due).
    assert "ix_orders_user_unpaid" in plan, plan
    assert "ix_orders_status_payment_due" not in plan and "ix_orders_user_created" not in plan, plan
