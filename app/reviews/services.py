"""Review rules: only a customer who received a product reviews it, once; the product's rating
aggregate (kept by the catalog) is recomputed under the product's row lock on every change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from app.auth.models import Role, User
from app.catalog.services.ratings import average_rating, lock_rating, reviewable_product, set_rating
from app.common.db import insert_unless_exists
from app.common.pagination import page_meta
from app.common.types import utcnow
from app.errors import Forbidden
from app.extensions import db
from app.orders.services.orders import has_received
from app.reviews.errors import AlreadyReviewed, NotPurchased, ReviewNotFound
from app.reviews.models import Review

CONTENT = ("rating", "title", "body")


def author_name(username: str | None, name: str) -> str:
    """How a review's author is shown: their username, else first name and initial; never
    their email address."""
    if username:
        return username
    parts = name.split()
    if not parts:
        return "A customer"
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0]}."


def _shown(review: Review, username: str | None, name: str) -> Review:
    review.author = author_name(username, name)
    review.verified_purchase = True
    return review


def _with_author(stmt: Any) -> Any:
    return stmt.add_columns(User.username, User.name).join(User, User.id == Review.user_id)


def list_reviews(product_id: int, query: dict[str, Any]) -> dict[str, Any]:
    """A product's visible reviews, a page of them, with the rating summary (count per star)."""
    reviewable_product(product_id)
    visible = (Review.product_id == product_id, Review.hidden.is_(False))
    stmt = _with_author(select(Review).where(*visible))
    if query.get("rating"):
        stmt = stmt.where(Review.rating == query["rating"])
    orders = {
        "newest": [Review.created_at.desc(), Review.id.desc()],
        "rating": [Review.rating.desc(), Review.created_at.desc(), Review.id.desc()],
        "-rating": [Review.rating.asc(), Review.created_at.desc(), Review.id.desc()],
    }
    page, per_page = query["page"], query["per_page"]
    found = db.session.execute(
        stmt.order_by(*orders[query["sort"]]).limit(per_page).offset((page - 1) * per_page)
    ).all()
    histogram = {str(stars): 0 for stars in range(1, 6)}
    for stars, count in db.session.execute(
        select(Review.rating, func.count()).where(*visible).group_by(Review.rating)
    ).all():
        histogram[str(stars)] = count
    count = sum(histogram.values())
    total = histogram[str(query["rating"])] if query.get("rating") else count
    stars_sum = sum(int(stars) * n for stars, n in histogram.items())
    return {
        "items": [_shown(review, username, name) for review, username, name in found],
        "meta": page_meta(page, per_page, total),
        "summary": {"average": average_rating(count, stars_sum), "count": count, "histogram": histogram},
    }


def _refresh_rating(product_id: int) -> None:
    """Recompute the product's aggregate from its visible reviews (the caller holds the lock)."""
    count, total = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Review.rating), 0)).where(
            Review.product_id == product_id, Review.hidden.is_(False)
        )
    ).one()
    set_rating(product_id, int(count), int(total))


def create_review(user: User, product_id: int, data: dict[str, Any]) -> Review:
    """Review a product the user received: 403 `not_purchased` otherwise, 409 the second time."""
    reviewable_product(product_id)
    if not has_received(user.id, product_id):
        raise NotPurchased("Only a customer whose order with this product was delivered may review it.")
    lock_rating(product_id)  # first the product, then its reviews: one lock order everywhere
    now = utcnow()
    review_id = insert_unless_exists(
        Review,
        {
            "product_id": product_id,
            "user_id": user.id,
            "rating": data["rating"],
            "title": data.get("title"),
            "body": data.get("body"),
            "hidden": False,
            "created_at": now,
            "updated_at": now,
        },
        ["product_id", "user_id"],
    )
    if review_id is None:
        raise AlreadyReviewed("You reviewed this product already: edit that review instead.")
    _refresh_rating(product_id)
    review = db.session.get(Review, review_id)
    assert review is not None
    return _shown(review, user.username, user.name)


def get_review(user: User | None, review_id: int) -> Review:
    """A visible review, or a hidden one for its author and admins; else 404."""
    found = db.session.execute(_with_author(select(Review).where(Review.id == review_id))).one_or_none()
    if found is None:
        raise ReviewNotFound("No such review.")
    review, username, name = found
    allowed = user is not None and (user.id == review.user_id or user.role == Role.ADMIN.value)
    if review.hidden and not allowed:
        raise ReviewNotFound("No such review.")
    return _shown(review, username, name)


def _review_for(user: User, review_id: int) -> Review:
    """The review, locked with its product's rating, for its author or an admin; else 404."""
    product_id = db.session.scalar(select(Review.product_id).where(Review.id == review_id))
    if product_id is None:
        raise ReviewNotFound("No such review.")
    lock_rating(product_id)
    review = db.session.get(Review, review_id, with_for_update=True, populate_existing=True)
    if review is None or (review.user_id != user.id and user.role != Role.ADMIN.value):
        raise ReviewNotFound("No such review.")
    return review


def update_review(user: User, review_id: int, data: dict[str, Any]) -> Review:
    """The author edits rating, title and body; an admin hides (with a reason) or shows it."""
    review = _review_for(user, review_id)
    is_author = review.user_id == user.id
    if any(key in data for key in CONTENT) and not is_author:
        raise Forbidden("Only its author edits a review; admins may hide it.")
    if ("hidden" in data or "reason" in data) and user.role != Role.ADMIN.value:
        raise Forbidden("Only admins hide reviews.")
    for key in CONTENT:
        if key in data:
            setattr(review, key, data[key])
    if "hidden" in data:
        review.hidden = data["hidden"]
        review.hidden_reason = data.get("reason") if data["hidden"] else None
        review.hidden_by_id = user.id if data["hidden"] else None
    db.session.flush()
    _refresh_rating(review.product_id)
    author = db.session.get(User, review.user_id)
    assert author is not None
    return _shown(review, author.username, author.name)


def delete_review(user: User, review_id: int) -> None:
    """The author removes their review (admins hide reviews instead)."""
    review = _review_for(user, review_id)
    if review.user_id != user.id:
        raise ReviewNotFound("No such review.")
    product_id = review.product_id
    db.session.delete(review)
    db.session.flush()
    _refresh_rating(product_id)


def forget_reviews(user_id: int) -> None:
    """An account being deleted: its reviews go, and the products' ratings follow."""
    product_ids = sorted(db.session.scalars(select(Review.product_id).where(Review.user_id == user_id)))
    for product_id in product_ids:
        lock_rating(product_id)
        db.session.execute(Review.__table__.delete().where(Review.user_id == user_id, Review.product_id == product_id))
        _refresh_rating(product_id)
