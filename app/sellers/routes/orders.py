"""Seller orders: each seller's part of an order, read and moved by its seller; staff's view."""

from __future__ import annotations

from typing import Any

from flask_jwt_extended import current_user

from app.auth.models import Role
from app.common.permissions import login_required
from app.common.schemas import page_of
from app.sellers.routes.blueprint import blp
from app.sellers.schemas import (
    AdminSellerOrderQuery,
    CancelPartIn,
    SellerOrderOut,
    SellerOrderQuery,
    ShipIn,
)
from app.sellers.services import orders as seller_orders
from app.sellers.status import SellerOrderStatus

# Seller orders ------------------------------------------------------------------------------------


@blp.get("/seller/orders")
@login_required(Role.SUPPLIER)
@blp.arguments(SellerOrderQuery(), location="query")
@blp.response(200, page_of(SellerOrderOut))
@blp.doc(operationId="listMySellerOrders")
def my_seller_orders(query: dict[str, Any]) -> Any:
    """My store's parts of orders, newest first.

    Filter by `status` (repeatable), `created_from`, `created_to` and `reference` (the order's
    or the seller order's). Each with its lines, gross, the commission frozen at checkout, my
    net, and of the buyer only what delivery needs.
    """
    return seller_orders.list_seller_orders(current_user, query)


@blp.get("/seller/orders/<int:seller_order_id>")
@login_required(Role.SUPPLIER)
@blp.response(200, SellerOrderOut)
@blp.doc(operationId="getMySellerOrder")
def my_seller_order(seller_order_id: int) -> Any:
    """One of my store's seller orders, with its history.

    Another seller's is 404 `seller_order_not_found`.
    """
    return seller_orders.get_seller_order(current_user, seller_order_id)


@blp.post("/seller/orders/<int:seller_order_id>/pack")
@login_required(Role.SUPPLIER)
@blp.response(200, SellerOrderOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="packMySellerOrder")
def pack_my_seller_order(seller_order_id: int) -> Any:
    """Mark my part packed (from `to_fulfil`).

    The order becomes `processing` once any of its parts is packed. Another seller's is 404; a
    move the machine does not allow is 409 `invalid_transition`.
    """
    return seller_orders.move_part(current_user, seller_order_id, SellerOrderStatus.PACKED)


@blp.post("/seller/orders/<int:seller_order_id>/ship")
@login_required(Role.SUPPLIER)
@blp.arguments(ShipIn())
@blp.response(200, SellerOrderOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="shipMySellerOrder")
def ship_my_seller_order(data: dict[str, Any], seller_order_id: int) -> Any:
    """Mark my part shipped (from `packed`), with the courier and a tracking note if I have them.

    The order becomes `shipped` once every live part is. Only staff mark a part delivered.
    """
    return seller_orders.move_part(current_user, seller_order_id, SellerOrderStatus.SHIPPED, **data)


@blp.post("/seller/orders/<int:seller_order_id>/cancel")
@login_required(Role.SUPPLIER)
@blp.arguments(CancelPartIn())
@blp.response(200, SellerOrderOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="cancelMySellerOrder")
def cancel_my_seller_order(data: dict[str, Any], seller_order_id: int) -> Any:
    """Cancel my part: I cannot deliver it (from `to_fulfil` or `packed`), saying why.

    Its lines go back to stock and are no longer due; what the customer paid for them is
    refunded (Paystack and PayPal at once, M-Pesa and cash by an admin by hand; the delivery fee
    stays), the customer is told, and the other sellers' parts go on. If it was the order's last
    live part, the order is cancelled (and wholly refunded). A part waiting for its payment, or
    shipped, cannot be cancelled (409 `invalid_transition`).
    """
    return seller_orders.cancel_part(current_user, seller_order_id, data["reason"])


@blp.get("/seller-orders")
@login_required(Role.ADMIN)
@blp.arguments(AdminSellerOrderQuery(), location="query")
@blp.response(200, page_of(SellerOrderOut))
@blp.doc(operationId="listSellerOrders")
def list_seller_orders(query: dict[str, Any]) -> Any:
    """Every seller's parts of orders (admin), newest first.

    The sellers' filters, and `seller_id`: a suspended or closed seller's open parts stay here
    to be seen through.
    """
    return seller_orders.list_seller_orders(current_user, query, as_admin=True)


@blp.get("/seller-orders/<int:seller_order_id>")
@login_required(Role.ADMIN)
@blp.response(200, SellerOrderOut)
@blp.doc(operationId="getSellerOrder")
def get_seller_order(seller_order_id: int) -> Any:
    """Any seller order, with its history (admin).

    Its lines, frozen commission and net, and what delivery needs; an unknown one is 404
    `seller_order_not_found`.
    """
    return seller_orders.get_seller_order(current_user, seller_order_id, as_admin=True)


@blp.post("/seller-orders/<int:seller_order_id>/cancel")
@login_required(Role.ADMIN)
@blp.arguments(CancelPartIn())
@blp.response(200, SellerOrderOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="cancelSellerOrder")
def cancel_seller_order(data: dict[str, Any], seller_order_id: int) -> Any:
    """Cancel a seller's part (admin), as its seller would; the seller is told.

    The same effects as the seller's cancellation: restocked once, refunded, the customer told.
    """
    return seller_orders.cancel_part(current_user, seller_order_id, data["reason"], as_admin=True)


@blp.post("/seller-orders/<int:seller_order_id>/deliver")
@login_required(Role.ADMIN)
@blp.response(200, SellerOrderOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="deliverSellerOrder")
def deliver_seller_order(seller_order_id: int) -> Any:
    """Mark a seller order delivered (admin; from `shipped`).

    Only staff do: a seller never releases its own money. The order becomes `delivered` once
    every live part is.
    """
    return seller_orders.move_part(current_user, seller_order_id, SellerOrderStatus.DELIVERED, as_admin=True)
