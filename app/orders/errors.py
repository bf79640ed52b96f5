"""Domain errors of orders, checkout and delivery."""

from __future__ import annotations

from app.errors import Conflict, Forbidden, NotFound


class OrderNotFound(NotFound):
    code, title = "order_not_found", "Order not found"


class DeliveryZoneNotFound(NotFound):
    code, title = "delivery_zone_not_found", "Delivery zone not found"


class ZoneNameTaken(Conflict):
    code, title = "zone_name_taken", "Delivery zone name already used"


class NotDeliverable(Conflict):
    code, title = "not_deliverable", "No delivery to this address"


class CartEmpty(Conflict):
    code, title = "cart_empty", "The cart is empty"


class ProductUnavailable(Conflict):
    code, title = "product_unavailable", "A product is no longer on sale"


class InvalidTransition(Conflict):
    code, title = "invalid_transition", "Status change not allowed"


class UnpaidOrdersLimit(Conflict):
    code, title = "unpaid_orders_limit", "Too many unpaid orders"


class EmailNotVerified(Forbidden):
    code, title = "email_not_verified", "Verify your email first"


class PaymentMethodUnavailable(Conflict):
    code, title = "payment_method_unavailable", "Payment method not available"


class PriceChanged(Conflict):
    code, title = "price_changed", "Prices changed since the cart was read"
