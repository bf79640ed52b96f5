"""Product questions: asked by customers, answered in public by the product's seller or staff,
voted helpful once, deleted by their asker, hidden by staff; the product page counts the
answered ones."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.notifications.models import Notification
from tests.conftest import Actor
from tests.factories import ProductFactory, SellerFactory
from tests.helpers import assert_problem, emails_to


def make_product():
    store = SellerFactory()
    return ProductFactory(seller=store), Actor(db.session.get(User, store.owner_id))


def ask(client, customer, product, body="Does it come in blue?"):
    return client.post(f"/api/v1/products/{product.id}/questions", json={"body": body}, headers=customer.headers)


def test_a_question_is_answered_by_the_products_seller_and_the_page_counts_it(client, customer, other_customer):
    product, seller = make_product()
    asked = ask(client, customer, product)
    assert asked.status_code == 201, asked.get_json()
    question = asked.get_json()
    assert (question["body"], question["answers"], question["answered_at"], question["helpful"]) == (
        "Does it come in blue?",
        [],
        None,
        0,
    )
    assert "@" not in question["author"]  # never an email address
    assert asked.headers["Location"].endswith(f"/api/v1/questions/{question['id']}")

    other_store = Actor(db.session.get(User, SellerFactory().owner_id))
    refused = client.post(
        f"/api/v1/questions/{question['id']}/answers", json={"body": "Yes"}, headers=other_store.headers
    )
    assert_problem(refused, 403, "not_the_seller")
    answered = client.post(
        f"/api/v1/questions/{question['id']}/answers", json={"body": "Yes, and in red."}, headers=seller.headers
    )
    assert answered.status_code == 201, answered.get_json()
    assert answered.get_json()["by"] == "seller"
    page = client.get(f"/api/v1/products/{product.id}").get_json()
    assert page["answered_questions"] == 1
    told = db.session.scalars(select(Notification.title).where(Notification.user_id == customer.user.id)).all()
    assert "Your question was answered" in told
    assert any(e.subject == "Your question was answered" for e in emails_to(customer.user.email))

    # Helpful: once per customer.
    for _ in range(2):
        voted = client.post(f"/api/v1/questions/{question['id']}/helpful", headers=other_customer.headers)
        assert voted.status_code == 200 and voted.get_json()["helpful"] == 1


def test_the_list_puts_answered_questions_first(client, customer, admin):
    product, _ = make_product()
    first = ask(client, customer, product, "First question?").get_json()
    second = ask(client, customer, product, "Second question?").get_json()
    client.post(f"/api/v1/questions/{first['id']}/answers", json={"body": "Staff here."}, headers=admin.headers)
    listed = client.get(f"/api/v1/products/{product.id}/questions").get_json()
    assert [q["id"] for q in listed["items"]] == [first["id"], second["id"]]
    assert listed["items"][0]["answers"][0]["by"] == "staff"
    newest = client.get(f"/api/v1/products/{product.id}/questions?sort=newest").get_json()
    assert [q["id"] for q in newest["items"]] == [second["id"], first["id"]]
    assert listed["meta"]["total"] == 2


def test_staff_hide_a_question_and_its_asker_deletes_one(client, customer, other_customer, admin):
    product, seller = make_product()
    rude = ask(client, customer, product, "Something rude?").get_json()
    client.post(f"/api/v1/questions/{rude['id']}/answers", json={"body": "Hmm."}, headers=seller.headers)
    hidden = client.post(f"/api/v1/questions/{rude['id']}/hide", json={"reason": "Abusive"}, headers=admin.headers)
    assert hidden.status_code == 200 and hidden.get_json()["hidden_reason"] == "Abusive"
    assert client.get(f"/api/v1/products/{product.id}/questions").get_json()["items"] == []
    assert client.get(f"/api/v1/products/{product.id}").get_json()["answered_questions"] == 0
    assert_problem(client.get(f"/api/v1/questions/{rude['id']}"), 404, "question_not_found")

    mine = ask(client, customer, product).get_json()
    assert_problem(
        client.delete(f"/api/v1/questions/{mine['id']}", headers=other_customer.headers), 404, "question_not_found"
    )
    assert client.delete(f"/api/v1/questions/{mine['id']}", headers=customer.headers).status_code == 204
    assert_problem(client.get(f"/api/v1/questions/{mine['id']}"), 404, "question_not_found")


def test_questions_are_checked(client, customer):
    product, _ = make_product()
    assert_problem(ask(client, customer, product, "?"), 422, "validation_error")
    assert_problem(client.get("/api/v1/products/999999/questions"), 404, "product_not_found")
    assert_problem(client.post("/api/v1/products/1/questions", json={"body": "Anyone?"}), 401, "missing_token")


def test_a_customer_asks_ten_questions_an_hour(client, customer):
    product, _ = make_product()
    for n in range(10):
        assert ask(client, customer, product, f"Question number {n}?").status_code == 201
    assert_problem(ask(client, customer, product, "One too many?"), 429, "rate_limited")


def test_a_page_of_questions_loads_their_answers_in_one_query(client, customer, admin):
    from tests.helpers import sql_statements

    product, _ = make_product()

    def page_queries() -> int:
        with sql_statements() as statements:
            assert client.get(f"/api/v1/products/{product.id}/questions").status_code == 200
        return len(statements)

    made = ask(client, customer, product).get_json()
    client.post(f"/api/v1/questions/{made['id']}/answers", json={"body": "Yes."}, headers=admin.headers)
    one = page_queries()
    for n in range(2):
        more = ask(client, customer, product, f"Another question {n}?").get_json()
        client.post(f"/api/v1/questions/{more['id']}/answers", json={"body": "Yes."}, headers=admin.headers)
    assert page_queries() == one  # was one more per question


def test_a_hidden_question_takes_no_answer(client, customer, admin):
    product, seller = make_product()
    made = ask(client, customer, product).get_json()
    client.post(f"/api/v1/questions/{made['id']}/hide", json={"reason": "Spam"}, headers=admin.headers)
    late = client.post(f"/api/v1/questions/{made['id']}/answers", json={"body": "Yes"}, headers=seller.headers)
    assert_problem(late, 404, "question_not_found")
