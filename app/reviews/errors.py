"""Domain errors of reviews."""

from __future__ import annotations

from app.errors import Conflict, Forbidden, NotFound


class ReviewNotFound(NotFound):
    code, title = "review_not_found", "Review not found"


class NotPurchased(Forbidden):
    code, title = "not_purchased", "Only a customer who received this product may review it"


class AlreadyReviewed(Conflict):
    code, title = "already_reviewed", "You reviewed this product already"
