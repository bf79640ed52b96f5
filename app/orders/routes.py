"""`/api/v1/orders` (checkout and orders) and `/api/v1/delivery-zones`."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt_identity

from app.auth.models import Role
from app.cart.schemas import CartHeaders
from app.common.blueprint import Blueprint
from app.common.idempotency import idempotent
from app.common.permissions import login_optional, login_required
from app.common.reads import read_only
from app.common.schemas import PaginationQuery, page_of
from app.orders.schemas import (
    CHECKOUT_EXAMPLE,
    ZONE_EXAMPLE,
    CancelIn,
    CheckoutIn,
    DeliveryZoneIn,
    DeliveryZoneOut,
    DeliveryZonePatch,
    OrderOut,
    OrderQuery,
    QuoteIn,
    QuoteOut,
    StatusChangeIn,
)
from app.orders.services import checkout, orders, zones
from app.orders.status import OrderStatus

blp = Blueprint("orders", __name__, url_prefix="/api/v1", description="Delivery zones, checkout and orders")


def _order_url(order: Any) -> str:
    return url_for("orders.OrderById", order_id=order.id)


def _zone_url(zone: Any) -> str:
    return url_for("orders.DeliveryZoneById", zone_id=zone.id)


# Delivery zones ----------------------------------------------------------------------------------


@blp.route("/delivery-zones")
class DeliveryZones(MethodView):
    @read_only
    @blp.arguments(PaginationQuery(), location="query")
    @blp.response(200, page_of(DeliveryZoneOut))
    @blp.doc(operationId="listDeliveryZones")
    def get(self, query: dict[str, Any]) -> Any:
        """List the active delivery zones.

        By name, paginated: counties and towns covered, fee, free-delivery threshold, days.
        """
        return zones.list_zones(query["page"], query["per_page"])

    @login_required(Role.ADMIN)
    @blp.arguments(DeliveryZoneIn(), example=ZONE_EXAMPLE)
    @blp.response(201, DeliveryZoneOut, location=_zone_url)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(operationId="createDeliveryZone")
    def post(self, data: dict[str, Any]) -> Any:
        """Create a delivery zone (admin).

        Counties must be Kenyan counties; `towns`, when given, narrow the zone to them. Names are
        unique (409 `zone_name_taken`).
        """
        return zones.create_zone(data)


@blp.route("/delivery-zones/<int:zone_id>")
class DeliveryZoneById(MethodView):
    @read_only
    @blp.response(200, DeliveryZoneOut)
    @blp.doc(operationId="getDeliveryZone")
    def get(self, zone_id: int) -> Any:
        """Read an active delivery zone.

        An inactive or unknown zone is 404 `delivery_zone_not_found`.
        """
        return zones.get_zone(zone_id)

    @login_required(Role.ADMIN)
    @blp.arguments(DeliveryZonePatch())
    @blp.response(200, DeliveryZoneOut)
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(operationId="updateDeliveryZone")
    def patch(self, data: dict[str, Any], zone_id: int) -> Any:
        """Change a delivery zone (admin).

        Orders already placed keep the zone as it was.
        """
        return zones.update_zone(zone_id, data)

    @login_required(Role.ADMIN)
    @blp.response(204)
    @blp.doc(operationId="deleteDeliveryZone")
    def delete(self, zone_id: int) -> None:
        """Delete a delivery zone (admin).

        Orders keep their copy of it; deactivate it (`is_active: false`) to keep it for later.
        """
        zones.delete_zone(zone_id)


@blp.post("/delivery-zones/quote")
@login_optional
@blp.arguments(CartHeaders(), location="headers")
@blp.arguments(QuoteIn())
@blp.response(200, QuoteOut)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="quoteDelivery")
def quote_delivery(headers: dict[str, Any], data: dict[str, Any]) -> Any:
    """Quote delivery to an address.

    Send `address_id` (one of mine: needs a login) or `county` and `town`. The free-delivery
    threshold applies to `subtotal`, or without one to the caller's cart (signed in, or the guest
    cart of `X-Cart-Token`), so the fee quoted is the fee checkout charges. The zone covering it
    (one naming the town beats one covering the county, then the cheaper) with its fee and days;
    none is 409 `not_deliverable`.
    """
    user = current_user if get_jwt_identity() is not None else None
    return zones.quote_for(user, data, headers.get("cart_token"))


# Checkout and orders -----------------------------------------------------------------------------


@blp.route("/orders")
class Orders(MethodView):
    @read_only
    @login_required(Role.CUSTOMER, Role.ADMIN)
    @blp.arguments(OrderQuery(), location="query")
    @blp.response(200, page_of(OrderOut))
    @blp.doc(operationId="listOrders")
    def get(self, query: dict[str, Any]) -> Any:
        """List orders, newest first.

        A customer sees their own; an admin sees everyone's and filters by `status` (repeatable),
        `created_from`, `created_to`, `customer_id` and `reference`.
        """
        return orders.list_orders(current_user, query)

    @login_required(Role.CUSTOMER)
    @idempotent("createOrder")
    @blp.arguments(CheckoutIn(), example=CHECKOUT_EXAMPLE)
    @blp.response(201, OrderOut, location=_order_url)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(operationId="createOrder")
    def post(self, data: dict[str, Any]) -> Any:
        """Check out: turn the cart into an order.

        Needs an `Idempotency-Key`. In one transaction: every line re-checked and copied (name,
        SKU, price), the address and zone copied, the stock taken, the bought lines removed from
        the cart (saved-for-later stays), the confirmation email queued. The zone is derived from
        the address when omitted. 409: `cart_empty`, `insufficient_stock` (each product and what
        is available), `product_unavailable`, `not_deliverable`, `price_changed` (a price moved since
        the cart was last read: the `lines` with `seen_price` and `price`, and the new `subtotal`,
        `delivery_fee` and `total`; read the cart, which counts as seeing them, and check out
        again), `payment_method_unavailable` (a
        method the shop does not take now, with the `offered` ones), `unpaid_orders_limit` (at most
        UNPAID_ORDERS_MAX orders holding UNPAID_UNITS_MAX items awaiting payment); 403
        `email_not_verified` for cash on delivery before the email is verified. Nothing is left
        behind. A cash order an admin has not confirmed by `payment_due_at` is cancelled.
        """
        return checkout.place_order(current_user, data)


@blp.route("/orders/<int:order_id>")
class OrderById(MethodView):
    @read_only
    @login_required(Role.CUSTOMER, Role.ADMIN)
    @blp.response(200, OrderOut)
    @blp.doc(operationId="getOrder")
    def get(self, order_id: int) -> Any:
        """Read an order with its lines and history.

        Another customer's order is 404 `order_not_found`.
        """
        return orders.get_order(current_user, order_id)


@blp.get("/orders/by-reference/<reference>")
@read_only
@login_required(Role.CUSTOMER, Role.ADMIN)
@blp.response(200, OrderOut)
@blp.doc(operationId="getOrderByReference")
def order_by_reference(reference: str) -> Any:
    """Read an order by its reference.

    The same rule as by id: someone else's is 404.
    """
    return orders.get_order_by_reference(current_user, reference)


@blp.post("/orders/<int:order_id>/cancel")
@login_required(Role.CUSTOMER)
@blp.arguments(CancelIn())
@blp.response(200, OrderOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="cancelOrder")
def cancel_order(data: dict[str, Any], order_id: int) -> Any:
    """Cancel my order before it ships.

    Its stock goes back (once, however often this is retried). A paid order is refunded. Once
    shipped it is 409 `invalid_transition`.
    """
    return orders.cancel(current_user, order_id, data.get("reason"))


@blp.patch("/orders/<int:order_id>/status")
@login_required(Role.ADMIN)
@blp.arguments(StatusChangeIn())
@blp.response(200, OrderOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="changeOrderStatus")
def change_order_status(data: dict[str, Any], order_id: int) -> Any:
    """Move an order along (admin).

    processing, shipped, out_for_delivery, delivered, cancelled; a cash order goes from
    pending_payment to processing when confirmed. `paid` comes from payments and `returned`
    from returns. An illegal change is 409 `invalid_transition` with the `allowed` next states.
    """
    return orders.change_status(current_user, order_id, OrderStatus(data["status"]), data.get("note"))
