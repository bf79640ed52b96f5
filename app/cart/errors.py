"""Domain errors of the cart."""

from __future__ import annotations

from app.errors import Conflict, NotFound


class CartNotFound(NotFound):
    code, title = "cart_not_found", "Cart not found"


class CartLineNotFound(NotFound):
    code, title = "cart_line_not_found", "Cart line not found"


class CartLimit(Conflict):
    code, title = "cart_limit", "Cart limit reached"
