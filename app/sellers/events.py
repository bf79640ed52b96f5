"""Sellers' answers to the catalog's, orders' and returns' signals."""

from __future__ import annotations

from typing import Any

from app.catalog.signals import seller_changing_products
from app.orders.signals import order_paid, order_placed, order_status_changed
from app.orders.status import OrderStatus
from app.payouts.signals import payee_wanted
from app.returns.signals import return_refunded, return_requested
from app.sellers.services.earnings import post_order_cancelled, post_return, post_sale
from app.sellers.services.orders import follow_order, split_order
from app.sellers.services.payouts import payee_for_retry
from app.sellers.services.returns import return_requested as tell_sellers
from app.sellers.services.returns import reverse_commission
from app.sellers.services.terms import require_accepted


@seller_changing_products.connect
def _terms_accepted(seller: Any, **_: Any) -> None:
    require_accepted(seller.id)


@order_placed.connect
def _split(order: Any, **_: Any) -> None:
    split_order(order)


@order_status_changed.connect
def _follow(order: Any, *, previous: str, actor: Any, **_: Any) -> None:
    # The order's actor, as its own history names it: customer, admin, seller or system.
    user = getattr(actor, "user", None)
    follow_order(order, order.status, user.id if user else None, str(actor.kind.value))
    if order.status == OrderStatus.CANCELLED.value:
        # Sent before `order_cancelled`, whose receiver (payments) refunds from what this gives back.
        post_order_cancelled(order, user.id if user else None)


@order_paid.connect
def _sold(order: Any, **_: Any) -> None:
    post_sale(order)


@payee_wanted.connect
def _payee(payout: Any, **_: Any) -> Any:
    return payee_for_retry(payout)


@return_requested.connect
def _told_of_return(request: Any, *, lines: dict[int, int], **_: Any) -> None:
    tell_sellers(request.id, lines)


@return_refunded.connect
def _reverse(request: Any, *, lines: dict[int, int], amount: Any, delivery_fee: Any, **_: Any) -> None:
    post_return(request.id, reverse_commission(request.id, lines), amount, delivery_fee)
