"""Search: the terms index follows every write, both PostgreSQL routes agree, filters combine."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from app.catalog.models import Product, ProductTerm
from app.catalog.services import ratings, search
from app.extensions import db
from tests.factories import BrandFactory, CategoryFactory, ProductFactory, UserFactory, store_of
from tests.helpers import sql_statements

URL = "/api/v1/products"


def found(client, query: str) -> list[str]:
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200, response.get_json()
    return [p["name"] for p in response.get_json()["items"]]


@pytest.fixture
def catalog():
    phones, crafts = CategoryFactory(name="Phones"), CategoryFactory(name="Crafts")
    tecno, samsung = BrandFactory(name="Tecno"), BrandFactory(name="Samsung")
    seller = UserFactory(role="supplier")
    return {
        "spark": ProductFactory(
            name="Tecno Spark Phone",
            category=phones,
            brand=tecno,
            price=Decimal("15000.00"),
            description="Dual SIM android phone",
        ),
        "galaxy": ProductFactory(
            name="Galaxy A15",
            category=phones,
            brand=samsung,
            price=Decimal("25000.00"),
            description="A phone with a big screen",
            condition="refurbished",
            supplier=seller,
        ),
        "case": ProductFactory(
            name="Phone Case",
            category=crafts,
            price=Decimal("800.00"),
            stock=0,
            description="Leather case for any phone",
        ),
        "basket": ProductFactory(
            name="Kiondo Basket", category=crafts, price=Decimal("2500.00"), description="Woven sisal basket"
        ),
        "phones": phones,
        "crafts": crafts,
        "tecno": tecno,
        "samsung": samsung,
        "seller": seller,
    }


def test_search_follows_product_writes(client, catalog, admin):
    spark = catalog["spark"]
    url = f"{URL}/{spark.id}"
    client.patch(url, json={"name": "Tecno Camon"}, headers=admin.headers)
    assert "Tecno Camon" in found(client, "q=camon")
    assert found(client, "q=spark") == []
    client.delete(url, headers=admin.headers)
    assert found(client, "q=camon") == []
    client.patch(url, json={"is_active": True}, headers=admin.headers)
    assert found(client, "q=camon") == ["Tecno Camon"]
    # A price change moves the product in and out of a price-filtered search.
    assert found(client, "q=camon&max_price=20000") == ["Tecno Camon"]
    client.patch(url, json={"price": "21000.00"}, headers=admin.headers)
    assert found(client, "q=camon&max_price=20000") == []


def test_search_follows_brand_and_category_renames(client, catalog, admin):
    client.patch(f"/api/v1/brands/{catalog['tecno'].id}", json={"name": "Itel"}, headers=admin.headers)
    assert found(client, "q=itel") == ["Tecno Spark Phone"]
    client.patch(f"/api/v1/categories/{catalog['crafts'].id}", json={"name": "Handmade"}, headers=admin.headers)
    assert set(found(client, "q=handmade")) == {"Phone Case", "Kiondo Basket"}
    assert found(client, "q=crafts") == []


def test_search_combines_with_every_filter(client, catalog):
    assert found(client, "q=phone&category=crafts") == ["Phone Case"]
    assert found(client, "q=phone&brand=samsung") == ["Galaxy A15"]
    assert found(client, "q=phone&condition=refurbished") == ["Galaxy A15"]
    assert found(client, f"q=phone&seller={store_of(catalog['seller']).slug}") == ["Galaxy A15"]
    assert found(client, "q=phone&min_price=800&max_price=15000&sort=price") == ["Phone Case", "Tecno Spark Phone"]
    assert "Phone Case" not in found(client, "q=phone&in_stock=true")
    assert len(found(client, "q=phone&in_stock=true")) == 2


def test_search_facets_count_the_matches(client, catalog):
    body = client.get(f"{URL}?q=phone&brand=tecno").get_json()
    assert body["meta"]["total"] == 1
    facets = body["facets"]
    assert {b["slug"]: b["count"] for b in facets["brands"]} == {"tecno": 1, "samsung": 1}  # disjunctive
    assert {c["slug"]: c["count"] for c in facets["categories"]} == {"phones": 1}
    assert facets["price_range"] == {"min": "15000.00", "max": "15000.00"}


@pytest.mark.usefixtures("require_postgres")
def test_a_query_of_stop_words_finds_nothing(client, catalog):
    # PostgreSQL's parser drops stop words; SQLite's fallback matches substrings, "the" included.
    body = client.get(f"{URL}?q=the%20and").get_json()
    assert body["items"] == [] and body["meta"]["total"] == 0
    assert body["facets"]["categories"] == [] and body["facets"]["price_range"] == {"min": None, "max": None}


@pytest.mark.parametrize("q", ["%25", "_", "%25%25%20_"])
def test_wildcards_in_a_query_match_nothing_by_themselves(client, catalog, q):
    body = client.get(f"{URL}?q={q}").get_json()
    assert body["items"] == [] and body["meta"]["total"] == 0


def test_several_words_must_all_match(client, catalog):
    assert found(client, "q=phone%20leather") == ["Phone Case"]
    assert set(found(client, "q=phone%20screen")) == {"Galaxy A15"}


# PostgreSQL: the terms index and the GIN route -----------------------------------------------------

postgres_only = pytest.mark.usefixtures("require_postgres")


@pytest.fixture
def require_postgres(is_postgres):
    if not is_postgres:
        pytest.skip("PostgreSQL full-text search")


@postgres_only
@pytest.mark.parametrize(
    ("q", "lexemes"),
    [
        ("Phones", ["phone"]),
        ("samsung  phone cases", ["samsung", "phone", "case"]),
        ("the of", []),
        ("phone phones", ["phone"]),
        ("phone or case", None),
        ("phone -case", None),
        ('"smart tv"', None),
        ("O'Reilly", None),
        (" ".join(f"word{i}" for i in range(11)), None),
    ],
)
def test_plain_terms(q, lexemes):
    assert search.plain_terms(q) == lexemes


@postgres_only
def test_a_repeated_search_parses_its_words_once(client, catalog):
    search._parsed.cache_clear()
    parses = []
    for _ in range(2):
        with sql_statements() as statements:
            assert set(found(client, "q=Phones")) == {"Phone Case", "Tecno Spark Phone", "Galaxy A15"}
        parses.append(sum("websearch_to_tsquery" in statement for statement in statements))
    assert parses == [1, 0]


@postgres_only
def test_operator_queries_take_the_gin_route(client, catalog):
    assert set(found(client, "q=tecno%20or%20samsung")) == {"Tecno Spark Phone", "Galaxy A15"}
    assert "Phone Case" not in found(client, "q=phone%20-case")
    assert found(client, "q=%22phone%20case%22") == ["Phone Case"]


@postgres_only
def test_one_word_ranks_exactly_like_ts_rank(client, catalog):
    ProductFactory.create_batch(5, category=catalog["phones"], description="phone phone charger")
    expected = db.session.scalars(
        select(Product.name)
        .where(Product.is_active, Product.search_vector.op("@@")(func.websearch_to_tsquery("english", "phone")))
        .order_by(
            func.ts_rank(Product.search_vector, func.websearch_to_tsquery("english", "phone")).desc(), Product.id.desc()
        )
    ).all()
    assert found(client, "q=phone&per_page=100") == expected


@postgres_only
def test_terms_are_exactly_the_documents_of_active_products(client, catalog, admin):
    client.patch(f"{URL}/{catalog['galaxy'].id}", json={"description": "New words here"}, headers=admin.headers)
    client.delete(f"{URL}/{catalog['basket'].id}", headers=admin.headers)
    client.patch(f"/api/v1/brands/{catalog['samsung'].id}", json={"name": "Samsung Kenya"}, headers=admin.headers)
    expected = db.session.execute(
        text(
            "SELECT p.id, e.lexeme, p.category_id, p.brand_id, p.condition, p.price FROM products p, "
            "unnest(p.search_vector) AS e(lexeme, positions, weights) WHERE p.is_active ORDER BY 1, 2"
        )
    ).all()
    actual = db.session.execute(
        select(
            ProductTerm.product_id,
            ProductTerm.lexeme,
            ProductTerm.category_id,
            ProductTerm.brand_id,
            ProductTerm.condition,
            ProductTerm.price,
        ).order_by(ProductTerm.product_id, ProductTerm.lexeme)
    ).all()
    assert [tuple(row[:5]) for row in actual] == [tuple(row[:5]) for row in expected]
    assert all(isinstance(row[5], Decimal) for row in actual)
    assert not any(row[0] == catalog["basket"].id for row in actual)


@postgres_only
def test_a_search_sorts_by_its_products_keys_as_they_change(client, catalog, admin):
    spark, galaxy, case = catalog["spark"], catalog["galaxy"], catalog["case"]
    # The reviews domain stores a product's rating with a statement of its own, not the ORM.
    ratings.set_rating(spark.id, 2, 9)  # 4.50
    ratings.set_rating(case.id, 1, 5)  # 5.00
    ratings.set_rating(galaxy.id, 4, 18)  # 4.50, more ratings than the spark's
    db.session.commit()
    assert found(client, "q=phone&sort=rating") == ["Phone Case", "Galaxy A15", "Tecno Spark Phone"]
    ratings.set_rating(case.id, 2, 6)  # 3.00
    db.session.commit()
    assert found(client, "q=phone&sort=rating") == ["Galaxy A15", "Tecno Spark Phone", "Phone Case"]

    # Newest first, by the products' own age (created in the fixture's order).
    assert found(client, "q=phone&sort=newest") == ["Phone Case", "Galaxy A15", "Tecno Spark Phone"]

    put = f"{URL}/{{}}/featured"
    assert client.put(put.format(spark.id), json={"position": 1}, headers=admin.headers).status_code == 200
    assert found(client, "q=phone&sort=featured") == ["Tecno Spark Phone", "Phone Case", "Galaxy A15"]
    assert found(client, "q=phone&featured=true") == ["Tecno Spark Phone"]
    assert client.delete(put.format(spark.id), headers=admin.headers).status_code == 200
    assert found(client, "q=phone&sort=featured") == ["Phone Case", "Galaxy A15", "Tecno Spark Phone"]
    # Two words take the grouped route: the same keys.
    assert found(client, "q=phone+android&sort=rating") == ["Tecno Spark Phone"]


@postgres_only
def test_terms_carry_their_products_sort_keys(client, catalog, admin):
    ratings.set_rating(catalog["spark"].id, 3, 12)
    client.put(f"{URL}/{catalog['case'].id}/featured", json={"position": 2}, headers=admin.headers)
    db.session.commit()
    mismatched = db.session.execute(
        text(
            "SELECT count(*) FROM product_terms t JOIN products p ON p.id = t.product_id WHERE "
            "(t.rating_average, t.rating_count, t.created_at) IS DISTINCT FROM "
            "(p.rating_average, p.rating_count, p.created_at) "
            "OR t.featured_position IS DISTINCT FROM p.featured_position"
        )
    ).scalar_one()
    assert mismatched == 0
    assert (
        db.session.execute(
            select(func.count()).where(ProductTerm.featured_position == 2, ProductTerm.product_id == catalog["case"].id)
        ).scalar_one()
        > 0
    )


@postgres_only
@pytest.mark.parametrize("sort", ["relevance", "rating", "price", "newest", "featured", "name"])
def test_a_search_pages_only_what_it_shows(client, admin, sort):
    # A page is cut from the terms before any product is read: matches of a hidden category
    # (whose products keep their terms) must not take places on it.
    shown, hidden = CategoryFactory(name="Lamps"), CategoryFactory(name="Old lamps")
    visible = [ProductFactory(name=f"Solar lamp {i}", category=shown, price=Decimal(100 + i)) for i in range(3)]
    for i in range(2):
        ProductFactory(name=f"Solar lamp old {i}", category=hidden, price=Decimal(1 + i))
    db.session.commit()
    for product, total in ((visible[0], 3), (visible[1], 2)):
        ratings.set_rating(product.id, 1, 5 - total)
    db.session.commit()
    patch = client.patch(f"/api/v1/categories/{hidden.id}", json={"is_active": False}, headers=admin.headers)
    assert patch.status_code == 200
    pages = [client.get(f"{URL}?q=solar&sort={sort}&per_page=2&page={n}").get_json() for n in (1, 2)]
    assert [body["meta"]["total"] for body in pages] == [3, 3]
    assert [len(body["items"]) for body in pages] == [2, 1]
    assert {item["name"] for body in pages for item in body["items"]} == {p.name for p in visible}
