"""Payments' reactions to other domains' signals."""

from __future__ import annotations

from typing import Any

from app.common.db import after_commit
from app.orders.signals import order_cancelled, order_paid, order_spends_wallet, payment_methods_offered
from app.payments.services import wallet
from app.payments.services.payments import available_methods
from app.payments.services.refunds import order_cancelled_after_payment
from app.payments.tasks import send_refund


@order_cancelled.connect
def _refund_cancelled_order(order: Any, *, previous: str, **_: Any) -> None:
    # Recorded in the cancellation's transaction, sent to the provider once it has committed.
    for refund_id in order_cancelled_after_payment(order.id, previous):
        after_commit(send_refund.delay, refund_id)
    wallet.release(order.id)  # a wallet part held for an order never paid


@order_spends_wallet.connect
def _hold_wallet_part(order: Any, **_: Any) -> None:
    wallet.hold(order)


@order_paid.connect
def _spend_wallet_part(order: Any, **_: Any) -> None:
    wallet.capture(order.id)


@payment_methods_offered.connect
def _methods(_sender: Any, **_: Any) -> set[str]:
    return {method["method"] for method in available_methods()}
