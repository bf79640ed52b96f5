"""`/api/v1/cart`: the signed-in user's cart, or a visitor's guest cart (`X-Cart-Token`)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt_identity

from app.cart import services
from app.cart.schemas import (
    CART_LINE_EXAMPLE,
    CartCountOut,
    CartHeaders,
    CartLineIn,
    CartLinePatch,
    CartOut,
    CartValidationOut,
)
from app.common.blueprint import Blueprint
from app.common.permissions import login_optional
from app.common.reads import read_only

blp = Blueprint("cart", __name__, url_prefix="/api/v1/cart", description="The cart, for customers and guests")


def _owner(headers: dict[str, Any]) -> services.Owner:
    if get_jwt_identity() is not None:
        return services.Owner(user=current_user)
    return services.Owner(guest_token=headers.get("cart_token"))


@blp.route("")
class CartResource(MethodView):
    @read_only
    @login_optional
    @blp.arguments(CartHeaders(), location="headers")
    @blp.response(200, CartOut)
    @blp.doc(operationId="getCart")
    def get(self, headers: dict[str, Any]) -> Any:
        """Read the cart.

        Priced at today's prices; each line lists its `problems` (withdrawn, short of stock, price
        changed since added). With neither a login nor `X-Cart-Token` it is an empty cart; an
        unknown or expired token is 404 `cart_not_found`.
        """
        return services.get_cart(_owner(headers))

    @login_optional
    @blp.arguments(CartHeaders(), location="headers")
    @blp.response(204)
    @blp.doc(operationId="clearCart")
    def delete(self, headers: dict[str, Any]) -> None:
        """Empty the cart.

        Lines saved for later stay.
        """
        services.clear(_owner(headers))


@blp.get("/count")
@read_only
@login_optional
@blp.arguments(CartHeaders(), location="headers")
@blp.response(200, CartCountOut)
@blp.doc(operationId="getCartCount")
def cart_count(headers: dict[str, Any]) -> Any:
    """Count the units in the cart.

    Saved-for-later lines are not counted. Cheaper than reading the cart, for a badge.
    """
    return {"count": services.count(_owner(headers))}


@blp.get("/validate")
@read_only
@login_optional
@blp.arguments(CartHeaders(), location="headers")
@blp.response(200, CartValidationOut)
@blp.doc(operationId="validateCart")
def validate_cart(headers: dict[str, Any]) -> Any:
    """Check the cart before checkout.

    Lists every line whose product was withdrawn, whose stock fell short or whose price changed
    since it was added; `valid` is true when there is none.
    """
    return services.validate(_owner(headers))


@blp.post("/lines")
@login_optional
@blp.arguments(CartLineIn(), example=CART_LINE_EXAMPLE)
@blp.arguments(CartHeaders(), location="headers")
@blp.response(200, CartOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="addCartLine")
def add_line(data: dict[str, Any], headers: dict[str, Any]) -> Any:
    """Add a product to the cart.

    Adds to the product's line when there is one (a line saved for later moves back into the
    cart). Without a login or `X-Cart-Token` this makes a guest cart and returns its
    `cart_token`. More than the stock is 409 `insufficient_stock` (with what is available); more
    than 99 in a line or 100 lines is 409 `cart_limit`; an inactive or unknown product is 404.
    """
    return services.add_line(_owner(headers), data["product_id"], data["quantity"])


@blp.route("/lines/<int:line_id>")
class CartLineResource(MethodView):
    @login_optional
    @blp.arguments(CartLinePatch())
    @blp.arguments(CartHeaders(), location="headers")
    @blp.response(200, CartOut)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(operationId="updateCartLine")
    def patch(self, data: dict[str, Any], headers: dict[str, Any], line_id: int) -> Any:
        """Change a line's quantity.

        Within the stock (409 `insufficient_stock`) and at most 99; fewer is always allowed.
        """
        return services.change_line(_owner(headers), line_id, data["quantity"])

    @login_optional
    @blp.arguments(CartHeaders(), location="headers")
    @blp.response(200, CartOut)
    @blp.doc(operationId="removeCartLine")
    def delete(self, headers: dict[str, Any], line_id: int) -> Any:
        """Remove a line.

        From the cart or from saved-for-later; returns the cart.
        """
        return services.remove_line(_owner(headers), line_id)


@blp.post("/lines/<int:line_id>/save-for-later")
@login_optional
@blp.arguments(CartHeaders(), location="headers")
@blp.response(200, CartOut)
@blp.doc(operationId="saveCartLineForLater")
def save_for_later(headers: dict[str, Any], line_id: int) -> Any:
    """Save a line for later.

    It leaves the cart (not bought, not in the subtotal) and stays in `saved_for_later`.
    """
    return services.save_for_later(_owner(headers), line_id)


@blp.post("/lines/<int:line_id>/move-to-cart")
@login_optional
@blp.arguments(CartHeaders(), location="headers")
@blp.response(200, CartOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="moveCartLineToCart")
def move_to_cart(headers: dict[str, Any], line_id: int) -> Any:
    """Move a saved line back into the cart.

    Its product must be on sale (404) and in stock for the line's quantity (409).
    """
    return services.move_to_cart(_owner(headers), line_id)
