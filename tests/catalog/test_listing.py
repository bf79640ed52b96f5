"""GET /products: filters, search, sorting, pages, facets, and a bounded query count."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app.catalog.models import Seller
from app.common.types import utcnow
from app.extensions import db
from tests.factories import BrandFactory, CategoryFactory, ProductFactory, SellerFactory, UserFactory, store_of
from tests.helpers import assert_problem, sql_statements

URL = "/api/v1/products"


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [p["name"] for p in response.get_json()["items"]]


@pytest.fixture
def shop():
    """Electronics > Phones > Android; Crafts. Two brands. Five products."""
    electronics = CategoryFactory(name="Electronics")
    phones = CategoryFactory(name="Phones", parent_id=electronics.id)
    android = CategoryFactory(name="Android", parent_id=phones.id)
    crafts = CategoryFactory(name="Crafts")
    tecno, samsung = BrandFactory(name="Tecno"), BrandFactory(name="Samsung")
    now = utcnow()
    made = {
        "spark": ProductFactory(
            name="Tecno Spark",
            category=android,
            brand=tecno,
            price=Decimal("15000.00"),
            created_at=now - timedelta(days=5),
            description="Budget android phone",
        ),
        "galaxy": ProductFactory(
            name="Galaxy A15",
            category=android,
            brand=samsung,
            price=Decimal("25000.00"),
            created_at=now - timedelta(days=4),
            condition="refurbished",
        ),
        "tv": ProductFactory(
            name="Smart TV 43",
            category=electronics,
            brand=samsung,
            price=Decimal("45000.00"),
            created_at=now - timedelta(days=3),
            stock=0,
        ),
        "basket": ProductFactory(
            name="Kiondo Basket",
            category=crafts,
            price=Decimal("2500.00"),
            created_at=now - timedelta(days=2),
            description="Woven sisal, fits a phone",
        ),
        "hidden": ProductFactory(name="Old Phone", category=phones, price=Decimal("100.00"), is_active=False),
    }
    return {"categories": (electronics, phones, android, crafts), "brands": (tecno, samsung), "products": made}


def test_default_is_newest_first_and_hides_inactive(client, shop):
    assert names(client.get(URL)) == ["Kiondo Basket", "Smart TV 43", "Galaxy A15", "Tecno Spark"]


def test_category_includes_descendants(client, shop):
    assert set(names(client.get(f"{URL}?category=electronics"))) == {"Smart TV 43", "Galaxy A15", "Tecno Spark"}
    assert set(names(client.get(f"{URL}?category=phones"))) == {"Galaxy A15", "Tecno Spark"}
    assert names(client.get(f"{URL}?category=unknown-slug")) == []
    phones = shop["categories"][1]
    phones.is_active = False
    db.session.commit()
    assert names(client.get(f"{URL}?category=phones")) == []


def test_brand_filter_is_repeatable(client, shop):
    assert set(names(client.get(f"{URL}?brand=samsung"))) == {"Galaxy A15", "Smart TV 43"}
    assert set(names(client.get(f"{URL}?brand=samsung&brand=tecno"))) == {"Galaxy A15", "Smart TV 43", "Tecno Spark"}
    # An unknown slug matches nothing by itself and takes nothing away from a known one.
    unknown = client.get(f"{URL}?brand=no-such-brand").get_json()
    assert unknown["items"] == [] and unknown["meta"]["total"] == 0
    assert set(names(client.get(f"{URL}?brand=no-such-brand&brand=tecno"))) == {"Tecno Spark"}


def test_price_bounds_are_inclusive(client, shop):
    assert set(names(client.get(f"{URL}?min_price=15000&max_price=25000"))) == {"Tecno Spark", "Galaxy A15"}
    assert names(client.get(f"{URL}?min_price=25000.01&max_price=45000")) == ["Smart TV 43"]
    assert names(client.get(f"{URL}?max_price=2499.99")) == []


def test_stock_condition_and_seller_filters(client, shop):
    assert "Smart TV 43" not in names(client.get(f"{URL}?in_stock=true"))
    assert names(client.get(f"{URL}?condition=refurbished")) == ["Galaxy A15"]
    seller = SellerFactory(name="Mama Mboga")
    ProductFactory(name="Seller Item", seller=seller)
    assert names(client.get(f"{URL}?seller=mama-mboga")) == ["Seller Item"]
    empty = client.get(f"{URL}?seller=nobody-sells-this").get_json()
    assert empty["items"] == [] and empty["meta"]["total"] == 0


@pytest.mark.parametrize(
    "sort,expected",
    [
        ("price", ["Kiondo Basket", "Tecno Spark", "Galaxy A15", "Smart TV 43"]),
        ("-price", ["Smart TV 43", "Galaxy A15", "Tecno Spark", "Kiondo Basket"]),
        ("name", ["Galaxy A15", "Kiondo Basket", "Smart TV 43", "Tecno Spark"]),
    ],
)
def test_sorts(client, shop, sort, expected):
    assert names(client.get(f"{URL}?sort={sort}")) == expected


def test_sort_by_rating(client, shop):
    galaxy = shop["products"]["galaxy"]
    galaxy.rating_average, galaxy.rating_count = Decimal("4.50"), 12
    db.session.commit()
    assert names(client.get(f"{URL}?sort=rating"))[0] == "Galaxy A15"


def test_search_ranks_name_match_above_description_match(client, shop):
    # "phone" is in the Kiondo basket's description and in Tecno Spark's description; the
    # category "Phones" also holds the phones. A name match must come first.
    ProductFactory(name="Phone Case", category=shop["categories"][3], description="Leather")
    found = names(client.get(f"{URL}?q=phone"))
    assert found[0] == "Phone Case"
    assert "Kiondo Basket" in found
    assert found.index("Phone Case") < found.index("Kiondo Basket")


def test_search_matches_brand_and_category_names(client, shop):
    assert set(names(client.get(f"{URL}?q=samsung"))) == {"Galaxy A15", "Smart TV 43"}
    assert "Kiondo Basket" in names(client.get(f"{URL}?q=crafts"))
    assert names(client.get(f"{URL}?q=zzzyyyxxx")) == []


def test_search_can_be_sorted_otherwise(client, shop):
    assert names(client.get(f"{URL}?q=samsung&sort=price")) == ["Galaxy A15", "Smart TV 43"]


def test_search_never_shows_inactive(client, shop):
    assert "Old Phone" not in names(client.get(f"{URL}?q=old"))


def test_pagination_meta(client, shop):
    body = client.get(f"{URL}?per_page=3&page=2").get_json()
    assert body["meta"] == {"page": 2, "per_page": 3, "total": 4, "pages": 2}
    assert len(body["items"]) == 1
    beyond = client.get(f"{URL}?per_page=3&page=9").get_json()
    assert beyond["items"] == [] and beyond["meta"]["total"] == 4


@pytest.mark.parametrize(
    "query",
    [
        "sort=cheapest",
        "min_price=abc",
        "max_price=-1",
        "per_page=500",
        "page=0",
        "condition=used",
        "min_price=500&max_price=100",
        "in_stock=maybe",
        "supplier=1",  # the filter is by seller slug now
        "colour=red",
        "min_price=1.234",
    ],
)
def test_bad_queries_are_422(client, query):
    assert_problem(client.get(f"{URL}?{query}"), 422, "validation_error")


def test_facets_count_the_current_query(client, shop):
    facets = client.get(f"{URL}?category=electronics").get_json()["facets"]
    by_slug = {c["slug"]: c["count"] for c in facets["categories"]}
    assert by_slug == {"android": 2, "electronics": 1}
    assert {b["slug"]: b["count"] for b in facets["brands"]} == {"samsung": 2, "tecno": 1}
    assert {c["value"]: c["count"] for c in facets["condition"]} == {"new": 2, "refurbished": 1}
    assert facets["price_range"] == {"min": "15000.00", "max": "45000.00"}


def test_a_facet_ignores_its_own_filter(client, shop):
    facets = client.get(f"{URL}?brand=tecno").get_json()["facets"]
    # Choosing Tecno still shows Samsung's count, so the shopper can add it.
    assert {b["slug"]: b["count"] for b in facets["brands"]} == {"samsung": 2, "tecno": 1}
    # ... while the other facets narrow to Tecno.
    assert {c["value"]: c["count"] for c in facets["condition"]} == {"new": 1}


def test_listing_costs_a_bounded_number_of_queries(client, app):
    category, brand = CategoryFactory(), BrandFactory()
    ProductFactory.create_batch(3, category=category, brand=brand)

    def count_queries(url: str) -> int:
        with sql_statements() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    small = count_queries(f"{URL}?per_page=3")
    ProductFactory.create_batch(30, category=category, brand=brand)
    large = count_queries(f"{URL}?per_page=33")
    assert small == large
    assert large <= 8


def cell_snapshot() -> list[tuple]:
    from app.catalog.models import ProductFacetCell

    rows = db.session.scalars(db.select(ProductFacetCell)).all()
    return sorted(
        (c.category_id, c.brand_id or 0, c.condition, c.seller_id, c.product_count, c.min_price, c.max_price)
        for c in rows
    )


def test_stored_cells_follow_every_write(client, shop, supplier, admin):
    from app.catalog.services.facets import refresh_cells

    electronics, phones, android, crafts = shop["categories"]
    tecno, samsung = shop["brands"]
    created = client.post(
        URL,
        json={"name": "Beaded Belt", "price": "800", "stock": 4, "sku": "BB-1", "category_id": crafts.id},
        headers=supplier.headers,
    ).get_json()
    pid = created["id"]
    steps = [
        {"price": "50000.00"},
        {"category_id": phones.id},
        {"brand_id": tecno.id},
        {"condition": "refurbished"},
        {"is_active": False},
        {"is_active": True, "price": "1.00"},
    ]
    for change in steps:
        assert client.patch(f"{URL}/{pid}", json=change, headers=supplier.headers).status_code == 200
        incremental = cell_snapshot()
        refresh_cells()
        assert cell_snapshot() == incremental, f"cells drifted after {change}"
    assert client.delete(f"{URL}/{pid}", headers=supplier.headers).status_code == 204
    incremental = cell_snapshot()
    refresh_cells()
    assert cell_snapshot() == incremental


@pytest.mark.parametrize(
    "query", ["", "category=electronics", "brand=samsung", "condition=new", "category=phones&brand=tecno"]
)
def test_stored_cells_and_live_count_agree(client, shop, query):
    # min_price=0.01 excludes nothing but forces the live count; results must be identical.
    stored = client.get(f"{URL}?{query}").get_json()
    live = client.get(f"{URL}?{query}&min_price=0.01").get_json()
    assert stored["meta"] == live["meta"]
    assert stored["facets"] == live["facets"]
    assert [p["id"] for p in stored["items"]] == [p["id"] for p in live["items"]]


def test_products_of_an_inactive_category_are_hidden(client, shop, admin):
    crafts = shop["categories"][3]
    basket = shop["products"]["basket"]
    assert (
        client.patch(f"/api/v1/categories/{crafts.id}", json={"is_active": False}, headers=admin.headers).status_code
        == 200
    )
    body = client.get(URL).get_json()
    assert "Kiondo Basket" not in [p["name"] for p in body["items"]]
    assert body["meta"]["total"] == 3
    assert "crafts" not in [c["slug"] for c in body["facets"]["categories"]]
    assert_problem(client.get(f"{URL}/{basket.id}"), 404, "product_not_found")
    assert "Kiondo Basket" not in names(client.get(f"{URL}?q=kiondo"))
    assert client.get(f"{URL}?min_price=0.01").get_json()["meta"]["total"] == 3


def test_deactivating_a_parent_hides_its_whole_subtree_until_it_is_back(client, shop, admin):
    electronics, phones, android, _crafts = shop["categories"]
    spark = shop["products"]["spark"]
    url = f"/api/v1/categories/{phones.id}"
    assert client.patch(url, json={"is_active": False}, headers=admin.headers).get_json()["is_visible"] is False
    # Android is still active itself, but under a hidden parent: it and its products are hidden.
    body = client.get(URL).get_json()
    assert [p["name"] for p in body["items"]] == ["Kiondo Basket", "Smart TV 43"]
    assert {c["slug"] for c in body["facets"]["categories"]} == {"crafts", "electronics"}
    assert body["facets"]["brands"] == [{"id": shop["brands"][1].id, "slug": "samsung", "name": "Samsung", "count": 1}]
    assert names(client.get(f"{URL}?category=electronics")) == ["Smart TV 43"]
    assert names(client.get(f"{URL}?category=android")) == []
    assert names(client.get(f"{URL}?q=spark")) == []
    assert_problem(client.get(f"{URL}/{spark.id}"), 404, "product_not_found")
    assert_problem(client.get("/api/v1/categories/by-slug/android"), 404, "category_not_found")
    [tree] = [root for root in client.get("/api/v1/categories").get_json() if root["slug"] == "electronics"]
    assert tree["children"] == []
    # Back on: everything returns.
    assert client.patch(url, json={"is_active": True}, headers=admin.headers).get_json()["is_visible"] is True
    assert names(client.get(f"{URL}?category=android")) == ["Galaxy A15", "Tecno Spark"]
    assert client.get(f"{URL}/{spark.id}").status_code == 200


def test_moving_a_category_under_a_hidden_one_hides_it(client, shop, admin):
    _electronics, phones, android, crafts = shop["categories"]
    client.patch(f"/api/v1/categories/{crafts.id}", json={"is_active": False}, headers=admin.headers)
    moved = client.patch(f"/api/v1/categories/{phones.id}", json={"parent_id": crafts.id}, headers=admin.headers)
    assert moved.status_code == 200 and moved.get_json()["is_visible"] is False
    assert names(client.get(URL)) == ["Smart TV 43"]
    created = client.post(
        "/api/v1/categories", json={"name": "Feature phones", "parent_id": android.id}, headers=admin.headers
    )
    assert created.status_code == 201 and created.get_json()["is_visible"] is False
    back = client.patch(f"/api/v1/categories/{phones.id}", json={"parent_id": None}, headers=admin.headers)
    assert back.get_json()["is_visible"] is True
    assert names(client.get(f"{URL}?category=phones")) == ["Galaxy A15", "Tecno Spark"]


def test_price_bands_split_a_range_into_stored_bands_and_live_edges():
    from app.catalog.services.facets import split_price_range

    # 10,000-50,000 KES: bands 10,000..12,500 up to 40,000..50,000 stored; only 50,000.00 itself is live.
    full, edges = split_price_range(1_000_000, 5_000_000)
    assert full is not None and edges == [(5_000_000, 5_000_001)]
    assert split_price_range(None, None) == ((0, 110), [])
    # Within one band: everything is live.
    assert split_price_range(1_010_000, 1_020_000) == (None, [(1_010_000, 1_020_001)])
    # Off-edge limits: partial bands at both ends.
    full, edges = split_price_range(1_234_500, 4_700_000)
    assert edges == [(1_234_500, 1_250_000), (4_000_000, 4_700_001)]


@pytest.mark.parametrize(
    ("low", "high"),
    [
        ("1000", "5000"),
        ("999.99", "5000.01"),
        ("1250", None),
        (None, "1249.99"),
        ("1234.56", "4321"),
        ("1000", "1000"),
        ("0.01", None),
        ("5000.01", "99999"),
    ],
)
def test_price_filter_counts_are_exact_at_band_edges(client, low, high):
    category, other = CategoryFactory(), CategoryFactory()
    brand = BrandFactory()
    prices = [
        "999.99",
        "1000.00",
        "1000.01",
        "1249.99",
        "1250.00",
        "1234.56",
        "4321.00",
        "4999.99",
        "5000.00",
        "5000.01",
        "12000.00",
    ]
    for i, price in enumerate(prices):
        ProductFactory(category=category if i % 2 else other, brand=brand if i % 3 else None, price=Decimal(price))
    query = "&".join(f"{key}={value}" for key, value in (("min_price", low), ("max_price", high)) if value)
    body = client.get(f"{URL}?{query}&per_page=100").get_json()
    expected = [
        p for p in map(Decimal, prices) if (low is None or p >= Decimal(low)) and (high is None or p <= Decimal(high))
    ]
    assert body["meta"]["total"] == len(expected)
    assert sorted(Decimal(p["price"]) for p in body["items"]) == sorted(expected)
    assert sum(c["count"] for c in body["facets"]["categories"]) == len(expected)
    # The price range shown ignores the price filter.
    assert body["facets"]["price_range"] == {"min": "999.99", "max": "12000.00"}


def test_price_bands_respect_the_seller_and_category_filters(client):
    tools, toys = CategoryFactory(name="Tools"), CategoryFactory(name="Toys")
    mine, theirs = UserFactory(role="supplier"), UserFactory(role="supplier")
    for supplier, category, price in [
        (mine, tools, "1000.00"),
        (mine, tools, "1300.00"),
        (mine, toys, "2000.00"),
        (theirs, tools, "1000.00"),
        (theirs, tools, "1500.00"),
        (mine, tools, "5000.00"),
    ]:
        ProductFactory(supplier=supplier, category=category, price=Decimal(price))
    body = client.get(f"{URL}?seller={store_of(mine).slug}&category=tools&min_price=1000&max_price=2000").get_json()
    assert sorted(p["price"] for p in body["items"]) == ["1000.00", "1300.00"]
    assert body["meta"]["total"] == 2
    assert body["facets"]["price_range"] == {"min": "1000.00", "max": "5000.00"}
    edge = client.get(f"{URL}?seller={store_of(theirs).slug}&min_price=1234.56&max_price=1500").get_json()
    assert [p["price"] for p in edge["items"]] == ["1500.00"] and edge["meta"]["total"] == 1


def test_a_card_carries_the_products_own_values(client):
    category, brand = CategoryFactory(name="Kitchen"), BrandFactory(name="Ramtons")
    product = ProductFactory(
        name="Ramtons Kettle",
        category=category,
        brand=brand,
        price=Decimal("2499.50"),
        compare_at_price=Decimal("2999.00"),
        stock=0,
        condition="refurbished",
        rating_average=Decimal("4.25"),
        rating_count=8,
    )
    [card] = client.get(f"{URL}?category={category.slug}").get_json()["items"]
    seller = db.session.get(Seller, product.seller_id)
    assert card == {
        "id": product.id,
        "name": "Ramtons Kettle",
        "slug": product.slug,
        "price": "2499.50",
        "compare_at_price": "2999.00",
        "currency": "KES",
        "in_stock": False,
        "condition": "refurbished",
        "category": {"id": category.id, "name": "Kitchen", "slug": category.slug},
        "brand": {"id": brand.id, "name": "Ramtons", "slug": brand.slug},
        "seller": {"id": seller.id, "name": seller.name, "slug": seller.slug},
        "image": None,
        "rating_average": "4.25",
        "rating_count": 8,
    }
