"""The order status machine: one table of allowed transitions, and who may take each.

    pending_payment -> paid -> processing -> shipped -> out_for_delivery -> delivered -> returned
    pending_payment -> processing                 (cash on delivery, when an admin confirms the order)
    pending_payment | paid | processing -> cancelled

`paid` is set by the payments domain and `returned` by returns (the `system` actor); admins move
orders along; customers may only cancel, before shipping. A seller cancelling the last live part
of an order (app/sellers) cancels the order.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class OrderStatus(enum.StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class PaymentMethod(enum.StrEnum):
    MPESA = "mpesa"
    CARD = "card"
    PAYPAL = "paypal"
    CASH = "cash"
    WALLET = "wallet"  # store credit covers the whole order


class ActorKind(enum.StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"
    SYSTEM = "system"  # payments, returns, the expiry job
    SELLER = "seller"  # cancelling the last live part of an order cancels the order


@dataclass(frozen=True, slots=True)
class Transition:
    by: frozenset[ActorKind]
    when: Callable[[Any], bool] | None = None  # a condition on the order, if any
    why: str = ""  # what `when` asks, for the error message


S, A = OrderStatus, ActorKind
_CANCELLERS = frozenset({A.CUSTOMER, A.ADMIN, A.SELLER})


def _is_cash(order: Any) -> bool:
    return bool(order.payment_method == PaymentMethod.CASH)


TRANSITIONS: dict[tuple[OrderStatus, OrderStatus], Transition] = {
    (S.PENDING_PAYMENT, S.PAID): Transition(frozenset({A.SYSTEM})),
    (S.PENDING_PAYMENT, S.PROCESSING): Transition(
        frozenset({A.ADMIN, A.SYSTEM}), when=_is_cash, why="only a cash-on-delivery order is confirmed before payment"
    ),
    (S.PENDING_PAYMENT, S.CANCELLED): Transition(frozenset({A.CUSTOMER, A.ADMIN, A.SYSTEM, A.SELLER})),
    # The system takes these when an order's seller orders move (app/sellers: fulfilment).
    (S.PAID, S.PROCESSING): Transition(frozenset({A.ADMIN, A.SYSTEM})),
    (S.PAID, S.CANCELLED): Transition(_CANCELLERS),
    (S.PROCESSING, S.SHIPPED): Transition(frozenset({A.ADMIN, A.SYSTEM})),
    (S.PROCESSING, S.CANCELLED): Transition(_CANCELLERS),
    (S.SHIPPED, S.OUT_FOR_DELIVERY): Transition(frozenset({A.ADMIN, A.SYSTEM})),
    (S.OUT_FOR_DELIVERY, S.DELIVERED): Transition(frozenset({A.ADMIN, A.SYSTEM})),
    (S.DELIVERED, S.RETURNED): Transition(frozenset({A.SYSTEM})),
}


def allowed_next(order: Any, actor: ActorKind) -> list[OrderStatus]:
    """The states `actor` may move `order` to now, in the machine's order."""
    current = OrderStatus(order.status)
    return [
        to
        for (frm, to), rule in TRANSITIONS.items()
        if frm == current and actor in rule.by and (rule.when is None or rule.when(order))
    ]


def rule_for(order: Any, to: OrderStatus, actor: ActorKind) -> Transition | None:
    """The transition `actor` would take from the order's state to `to`, if it is allowed."""
    rule = TRANSITIONS.get((OrderStatus(order.status), to))
    if rule is None or actor not in rule.by or (rule.when is not None and not rule.when(order)):
        return None
    return rule
