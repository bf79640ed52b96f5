"""Reviews: purchase checks, one per customer, plain text, the public list with its summary, and
the product's rating kept exact through create, edit, delete and hide."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.catalog.models import Product
from app.extensions import db
from app.orders.status import OrderStatus
from app.reviews.models import Review
from tests.conftest import Actor
from tests.factories import UserFactory
from tests.helpers import assert_problem, deliver_to


def reviews_url(product) -> str:
    return f"/api/v1/products/{product.id}/reviews"


def post_review(client, actor, product, **body):
    return client.post(reviews_url(product), json={"rating": 5, **body}, headers=actor.headers)


def rating_of(product) -> tuple[Decimal, int]:
    row = db.session.execute(select(Product.rating_average, Product.rating_count).where(Product.id == product.id)).one()
    return row[0], row[1]


def reviewer(product, rating: int, name: str = "Wanjiku Kamau", username: str | None = None) -> Actor:
    actor = Actor(UserFactory(role="customer", name=name, username=username))
    deliver_to(actor.user, product)
    return actor


def test_a_customer_who_received_the_product_reviews_it(client, customer, product, bought):
    customer.user.name, customer.user.username = "Achieng Otieno", None
    db.session.flush()
    response = post_review(client, customer, product, rating=4, title="Good", body="Works well.")
    assert response.status_code == 201, response.get_json()
    review = response.get_json()
    assert response.headers["Location"].endswith(f"/api/v1/reviews/{review['id']}")
    assert (review["rating"], review["title"], review["body"]) == (4, "Good", "Works well.")
    assert review["author"] == "Achieng O." and review["verified_purchase"] is True
    assert customer.user.email not in response.get_data(as_text=True)
    assert rating_of(product) == (Decimal("4.00"), 1)
    page = client.get(f"/api/v1/products/{product.id}").get_json()
    assert (page["rating_average"], page["rating_count"]) == ("4.00", 1)


@pytest.mark.parametrize("until", [OrderStatus.PROCESSING, OrderStatus.OUT_FOR_DELIVERY])
def test_not_yet_delivered_is_403_not_purchased(client, customer, product, until):
    deliver_to(customer.user, product, until=until)
    assert_problem(post_review(client, customer, product), 403, "not_purchased")


def test_never_bought_is_403_and_suppliers_and_guests_cannot_review(client, customer, supplier, product):
    assert_problem(post_review(client, customer, product), 403, "not_purchased")
    assert_problem(post_review(client, supplier, product), 403, "forbidden")
    assert_problem(client.post(reviews_url(product), json={"rating": 5}), 401, "missing_token")


def test_one_review_per_customer_per_product(client, customer, product, bought):
    assert post_review(client, customer, product).status_code == 201
    assert_problem(post_review(client, customer, product, rating=1), 409, "already_reviewed")
    assert rating_of(product) == (Decimal("5.00"), 1)


@pytest.mark.parametrize(
    "body,field",
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "5"}, "rating"),
        ({"rating": 4.5}, "rating"),
        ({"rating": 5, "title": "t" * 121}, "title"),
        ({"rating": 5, "body": "b" * 5001}, "body"),
        ({}, "rating"),
    ],
)
def test_bad_reviews_are_422(client, customer, product, bought, body, field):
    response = client.post(reviews_url(product), json=body, headers=customer.headers)
    assert field in assert_problem(response, 422, "validation_error")["errors"]


def test_text_is_kept_as_written_not_interpreted(client, customer, product, bought):
    text = '<script>alert("x")</script> & <b>bold</b>'
    review = post_review(client, customer, product, title="<i>hi</i>", body=text).get_json()
    again = client.get(f"/api/v1/reviews/{review['id']}").get_json()
    assert (again["title"], again["body"]) == ("<i>hi</i>", text)


def test_a_missing_or_withdrawn_product_has_no_reviews(client, customer, product, bought):
    assert_problem(client.get("/api/v1/products/999999/reviews"), 404, "product_not_found")
    product.is_active = False
    db.session.flush()
    assert_problem(client.get(reviews_url(product)), 404, "product_not_found")
    assert_problem(post_review(client, customer, product), 404, "product_not_found")


def test_the_list_sorts_filters_and_summarises(client, product):
    for stars in (5, 3, 5, 1):
        actor = reviewer(product, stars, name=f"Reviewer {stars}")
        assert post_review(client, actor, product, rating=stars).status_code == 201
    body = client.get(reviews_url(product)).get_json()
    assert body["summary"] == {
        "average": "3.50",
        "count": 4,
        "histogram": {"1": 1, "2": 0, "3": 1, "4": 0, "5": 2},
    }
    assert body["meta"]["total"] == 4 and [r["rating"] for r in body["items"]] == [1, 5, 3, 5]  # newest first
    best = client.get(reviews_url(product), query_string={"sort": "rating"}).get_json()
    assert [r["rating"] for r in best["items"]] == [5, 5, 3, 1]
    worst = client.get(reviews_url(product), query_string={"sort": "-rating"}).get_json()
    assert [r["rating"] for r in worst["items"]] == [1, 3, 5, 5]
    fives = client.get(reviews_url(product), query_string={"rating": 5, "per_page": 1}).get_json()
    assert [r["rating"] for r in fives["items"]] == [5] and fives["meta"] == {
        "page": 1,
        "per_page": 1,
        "total": 2,
        "pages": 2,
    }
    assert fives["summary"]["count"] == 4  # the summary is of the product, not of the filter
    for bad in ({"sort": "stars"}, {"rating": 9}, {"colour": "red"}):
        assert_problem(client.get(reviews_url(product), query_string=bad), 422, "validation_error")


def test_the_author_is_shown_by_username_or_first_name_and_initial(client, product):
    named = reviewer(product, 5, name="Kiprono", username="kip_runs")
    plain = reviewer(product, 4, name="Mary Wambui Njeri")
    assert post_review(client, named, product).get_json()["author"] == "kip_runs"
    assert post_review(client, plain, product, rating=4).get_json()["author"] == "Mary N."


def test_edits_and_deletes_keep_the_rating_exact(client, product):
    first, second = reviewer(product, 5, "A One"), reviewer(product, 2, "B Two")
    one = post_review(client, first, product, rating=5).get_json()
    post_review(client, second, product, rating=2)
    assert rating_of(product) == (Decimal("3.50"), 2)
    edited = client.patch(f"/api/v1/reviews/{one['id']}", json={"rating": 3, "title": "Meh"}, headers=first.headers)
    assert edited.status_code == 200 and edited.get_json()["rating"] == 3
    assert rating_of(product) == (Decimal("2.50"), 2)
    assert client.delete(f"/api/v1/reviews/{one['id']}", headers=first.headers).status_code == 204
    assert rating_of(product) == (Decimal("2.00"), 1)
    assert_problem(client.get(f"/api/v1/reviews/{one['id']}"), 404, "review_not_found")


def test_an_average_is_rounded_to_the_cent_half_up(client, product):
    for stars in (5, 4, 4):
        post_review(client, reviewer(product, stars, f"R {stars}"), product, rating=stars)
    assert rating_of(product) == (Decimal("4.33"), 3)  # 13 / 3 = 4.333...
    post_review(client, reviewer(product, 4, "R x"), product, rating=4)
    post_review(client, reviewer(product, 4, "R y"), product, rating=4)
    post_review(client, reviewer(product, 4, "R z"), product, rating=4)
    post_review(client, reviewer(product, 4, "R w"), product, rating=4)
    post_review(client, reviewer(product, 4, "R v"), product, rating=4)
    assert rating_of(product) == (Decimal("4.13"), 8)  # 33 / 8 = 4.125 -> 4.13


def test_admins_hide_a_review_out_of_the_list_and_the_rating(client, admin, product):
    loud, calm = reviewer(product, 1, "Loud One"), reviewer(product, 5, "Calm One")
    spam = post_review(client, loud, product, rating=1, body="buy cheap watches at ...").get_json()
    post_review(client, calm, product, rating=5)
    url = f"/api/v1/reviews/{spam['id']}"
    assert_problem(client.patch(url, json={"hidden": True}, headers=admin.headers), 422, "validation_error")
    hidden = client.patch(url, json={"hidden": True, "reason": "spam"}, headers=admin.headers)
    assert hidden.status_code == 200 and hidden.get_json()["hidden"] is True
    assert rating_of(product) == (Decimal("5.00"), 1)
    listed = client.get(reviews_url(product)).get_json()
    assert [r["id"] for r in listed["items"]] != [spam["id"]] and listed["summary"]["count"] == 1
    assert_problem(client.get(url), 404, "review_not_found")  # hidden from the public
    mine = client.get(url, headers=loud.headers).get_json()
    assert mine["hidden"] is True and mine["hidden_reason"] == "spam"  # the author sees why
    client.patch(url, json={"hidden": False}, headers=admin.headers)
    assert rating_of(product) == (Decimal("3.00"), 2)


def test_only_the_author_edits_or_deletes_and_only_admins_hide(client, admin, other_customer, product):
    author = reviewer(product, 4, "Author Person")
    review = post_review(client, author, product, rating=4).get_json()
    url = f"/api/v1/reviews/{review['id']}"
    assert_problem(client.patch(url, json={"rating": 1}, headers=other_customer.headers), 404, "review_not_found")
    assert_problem(client.delete(url, headers=other_customer.headers), 404, "review_not_found")
    hide = {"hidden": True, "reason": "mine"}
    assert_problem(client.patch(url, json=hide, headers=author.headers), 403, "forbidden")
    assert_problem(client.patch(url, json={"rating": 1}, headers=admin.headers), 403, "forbidden")
    assert_problem(client.delete(url, headers=admin.headers), 403, "forbidden")
    assert_problem(client.patch(url, json={}, headers=author.headers), 422, "validation_error")
    assert db.session.get(Review, review["id"]).rating == 4


def test_a_deleted_account_takes_its_reviews_and_their_stars(client, product):
    leaving, staying = reviewer(product, 1, "Leaving Soon"), reviewer(product, 5, "Staying Here")
    post_review(client, leaving, product, rating=1)
    post_review(client, staying, product, rating=5)
    response = client.delete("/api/v1/me", json={"password": leaving.password}, headers=leaving.headers)
    assert response.status_code == 204, response.get_data(as_text=True)
    assert rating_of(product) == (Decimal("5.00"), 1)
    assert db.session.scalar(select(Review.user_id)) == staying.user.id
