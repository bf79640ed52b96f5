"""Reviews of one product at once (PostgreSQL, real commits): the rating stays exact."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.catalog.models import Product
from app.extensions import db
from app.reviews.models import Review
from app.reviews.services import create_review, delete_review, update_review
from tests.factories import ProductFactory, UserFactory
from tests.helpers import deliver_to, run_together


def _reviewers(app, count: int) -> tuple[int, list[int]]:
    with app.app_context():
        product = ProductFactory(stock=100)
        ids = []
        for _ in range(count):
            user = UserFactory(role="customer")
            deliver_to(user, product)
            ids.append(user.id)
        db.session.commit()
        return product.id, ids


def _rating(app, product_id: int) -> tuple[Decimal, int]:
    with app.app_context():
        row = db.session.execute(
            select(Product.rating_average, Product.rating_count).where(Product.id == product_id)
        ).one()
        return row[0], row[1]


@pytest.mark.own_database
@pytest.mark.postgres
def test_ten_reviews_of_one_product_at_once_are_all_counted(app, committed):
    product_id, users = _reviewers(app, 10)
    stars = [5, 4, 3, 5, 1, 2, 5, 4, 4, 3]  # 36 / 10

    def review(user_id: int, rating: int):
        return lambda: create_review(db.session.get(User, user_id), product_id, {"rating": rating})

    assert run_together(app, [review(u, s) for u, s in zip(users, stars, strict=True)]) == []
    assert _rating(app, product_id) == (Decimal("3.60"), 10)


@pytest.mark.own_database
@pytest.mark.postgres
def test_edits_deletes_and_new_reviews_at_once_leave_the_exact_rating(app, committed):
    product_id, users = _reviewers(app, 9)
    with app.app_context():
        reviews = [create_review(db.session.get(User, u), product_id, {"rating": 5}).id for u in users[:6]]
        db.session.commit()

    def edit(review_id: int, user_id: int):
        return lambda: update_review(db.session.get(User, user_id), review_id, {"rating": 1})

    def remove(review_id: int, user_id: int):
        return lambda: delete_review(db.session.get(User, user_id), review_id)

    def new(user_id: int):
        return lambda: create_review(db.session.get(User, user_id), product_id, {"rating": 3})

    jobs = [edit(reviews[0], users[0]), edit(reviews[1], users[1]), remove(reviews[2], users[2])]
    jobs += [remove(reviews[3], users[3]), new(users[6]), new(users[7]), new(users[8])]
    assert run_together(app, jobs) == []
    with app.app_context():
        left = db.session.scalars(select(Review.rating).where(Review.product_id == product_id)).all()
    assert sorted(left) == [1, 1, 3, 3, 3, 5, 5]  # two edited, two deleted, two untouched, three new
    assert _rating(app, product_id) == (Decimal("3.00"), 7)  # 21 / 7
