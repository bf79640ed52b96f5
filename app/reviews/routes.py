"""`/api/v1/products/{id}/reviews` and `/api/v1/reviews/{id}`: ratings and reviews."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt_identity

from app.auth.models import Role
from app.common.blueprint import Blueprint
from app.common.permissions import login_optional, login_required
from app.common.reads import read_only
from app.reviews import services
from app.reviews.schemas import ReviewDetailOut, ReviewIn, ReviewPageOut, ReviewPatchIn, ReviewQuery

blp = Blueprint("reviews", __name__, url_prefix="/api/v1", description="Ratings and reviews of products")


@blp.route("/products/<int:product_id>/reviews")
class ProductReviews(MethodView):
    @blp.arguments(ReviewQuery(), location="query")
    @blp.response(200, ReviewPageOut)
    @blp.doc(operationId="listProductReviews")
    @read_only
    def get(self, query: dict[str, Any], product_id: int) -> Any:
        """List a product's reviews.

        Visible reviews, newest first (`sort=rating`: highest first, `-rating`: lowest), a page at
        a time, optionally of one `rating`; `summary` has the average, the count and the count per
        star. Every review is by a customer who received the product. 404 for a product not on sale.
        """
        return services.list_reviews(product_id, query)

    @login_required(Role.CUSTOMER)
    @blp.arguments(ReviewIn())
    @blp.response(201, ReviewDetailOut, location=lambda made: url_for("reviews.ReviewById", review_id=made.id))
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(operationId="createReview")
    def post(self, data: dict[str, Any], product_id: int) -> Any:
        """Review a product I received.

        403 `not_purchased` without a delivered order containing it; one review per product (409
        `already_reviewed`: edit it instead). Title and body are plain text.
        """
        return services.create_review(current_user, product_id, data)


@blp.route("/reviews/<int:review_id>")
class ReviewById(MethodView):
    @login_optional
    @blp.response(200, ReviewDetailOut)
    @blp.doc(operationId="getReview")
    @read_only
    def get(self, review_id: int) -> Any:
        """Read one review.

        A visible review for anyone; a hidden one only for its author (with the reason) and admins.
        """
        return services.get_review(current_user if get_jwt_identity() is not None else None, review_id)

    @login_required(Role.CUSTOMER, Role.ADMIN)
    @blp.arguments(ReviewPatchIn())
    @blp.response(200, ReviewDetailOut)
    @blp.doc(operationId="updateReview")
    def patch(self, data: dict[str, Any], review_id: int) -> Any:
        """Edit my review, or (admins) hide it.

        The author changes `rating`, `title`, `body`; an admin sends `hidden` (with a `reason`
        when hiding). A hidden review leaves the list and the product's rating. Someone else's
        review is 404 to customers.
        """
        return services.update_review(current_user, review_id, data)

    @login_required(Role.CUSTOMER)
    @blp.response(204)
    @blp.doc(operationId="deleteReview")
    def delete(self, review_id: int) -> None:
        """Delete my review.

        The product's rating follows. Someone else's review is 404.
        """
        services.delete_review(current_user, review_id)
