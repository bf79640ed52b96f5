"""PostgreSQL's plans for listing sorts that an index must serve: read in index order, the page
cut after a few rows, rather than every active product sorted for each page."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.factories import ProductFactory
from tests.helpers import query_plan, sql_sent


@pytest.fixture(autouse=True)
def require_postgres(is_postgres):
    if not is_postgres:
        pytest.skip("PostgreSQL's planner")


def test_the_featured_sort_reads_its_index_in_order(client, admin):
    products = ProductFactory.create_batch(30)
    client.put(f"/api/v1/products/{products[3].id}/featured", json={"position": 1}, headers=admin.headers)
    with sql_sent() as statements:
        response = client.get("/api/v1/products?sort=featured&page=2&per_page=5")
    assert response.status_code == 200
    assert response.get_json()["items"][0]["id"] == products[-5].id  # featured first, then newest
    page = query_plan(*next(sent for sent in statements if "AS chosen" in sent[0]))  # the cards'
    assert "ix_products_featured_order" in page, page
    # The only sort left is of the page's own rows (the subquery's keys), not of the products.
    sorts = [line for line in page.splitlines() if "Sort Key" in line]
    assert all("products." not in line for line in sorts), page


def test_the_rating_sort_reads_its_index_in_order(client):
    products = ProductFactory.create_batch(12)
    with sql_sent() as statements:
        response = client.get("/api/v1/products?sort=rating&page=2&per_page=5")
    assert response.status_code == 200
    assert [item["id"] for item in response.get_json()["items"]] == [p.id for p in products[::-1][5:10]]
    page = query_plan(*next(sent for sent in statements if "AS chosen" in sent[0]))
    assert "ix_products_active_rating" in page, page
    assert all("products." not in line for line in page.splitlines() if "Sort Key" in line), page


def test_the_name_sort_reads_its_index_and_a_search_by_name_never_walks_it(client):
    for i in range(6):
        ProductFactory(name=f"Lamp {5 - i}")
    with sql_sent() as statements:
        listed = client.get("/api/v1/products?sort=name&per_page=3")
        searched = client.get("/api/v1/products?q=lamp&sort=name&per_page=3")
    assert [p["name"] for p in listed.get_json()["items"]] == ["Lamp 0", "Lamp 1", "Lamp 2"]
    assert [p["name"] for p in searched.get_json()["items"]] == ["Lamp 0", "Lamp 1", "Lamp 2"]
    plain, search = (query_plan(*sent) for sent in statements if "AS chosen" in sent[0])
    assert "ix_products_active_name" in plain, plain
    assert "ix_products_active_name" not in search, search


@pytest.mark.parametrize("sort", ["rating", "newest", "featured", "price"])
def test_a_search_sorts_its_matches_terms_not_the_products(client, sort):
    # The products joined to the page are its 20 rows: the sort is over the matches' index rows
    # (product_terms carry the keys), so no products index is walked in search of matches and
    # no join of every match is sorted.
    for i in range(6):
        ProductFactory(name=f"Solar phone charger {i}")
    with sql_sent() as statements:
        response = client.get(f"/api/v1/products?q=phone&sort={sort}")
    assert response.status_code == 200 and len(response.get_json()["items"]) == 6
    page = query_plan(*next(sent for sent in statements if "AS chosen" in sent[0]))
    # (The tie, the product's id, is the terms' product_id: PostgreSQL may name either.)
    sorted_by = [line.split("Sort Key: ")[1] for line in page.splitlines() if "Sort Key: " in line]
    assert sorted_by and all(keys.startswith("product_terms.") for keys in sorted_by), page
    walked = [line for line in page.splitlines() if "Index Scan" in line and "Bitmap" not in line]
    assert all("ix_products_" not in line for line in walked), page


def test_the_index_stays_in_the_schema(db_session):
    found = db_session.execute(
        text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_products_featured_order'")
    ).scalar_one()
    assert "featured_position, created_at DESC, id DESC" in found
