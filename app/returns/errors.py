"""Domain errors of returns."""

from __future__ import annotations

from app.errors import Conflict, NotFound


class ReturnNotFound(NotFound):
    code, title = "return_not_found", "Return not found"


class ReturnImageNotFound(NotFound):
    code, title = "return_image_not_found", "Return photo not found"


class ReturnWindowClosed(Conflict):
    code, title = "return_window_closed", "The return window has closed"


class TooManyReturnImages(Conflict):
    code, title = "too_many_images", "Too many images"


class OrderNotReturnable(Conflict):
    code, title = "order_not_returnable", "This order cannot be returned"
