"""What sellers' money posts to the ledger (README, "Money: the ledger").

When an order is paid, each of its parts is a sale: the customer's money for its live lines is
owed onward, the seller's net to its *pending* balance and the frozen commission to the shop
(the house seller's whole part is the shop's own sales), the delivery fee to the shop. Cancelling
the order, a part or its lines, and refunding a return, give back from those same frozen
amounts (pro rata for a partly refunded return) to the customer's funds, from which the refund
is drawn. A delivered part whose return window has passed with no open return is *released*:
pending becomes available, to be paid out.

Keys: `seller-order:{id}:sale|cancelled|order-cancelled|released`, `order:{id}:delivery`,
`order:{id}:delivery-cancelled`, `return:{id}:seller-order:{id}`, `return:{id}:delivery`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask import current_app
from sqlalchemy import func, select, update

from app.catalog.services.sellers import sellers_by_id
from app.common.db import changed_rows, unit_of_work
from app.common.types import utcnow
from app.extensions import db
from app.ledger import chart
from app.ledger.chart import Account, SellerBucket
from app.ledger.services import ZERO, Line, credit, debit, is_posted, post, unwind
from app.orders.models import Order, OrderLine
from app.returns.services import sellers_awaiting_returns
from app.sellers.models import CommissionLine, CommissionReversal, SellerOrder, SellerOrderEvent
from app.sellers.status import SellerOrderStatus

CENT = Decimal("0.01")


def _houses(seller_ids: set[int]) -> set[int]:
    return {seller.id for seller in sellers_by_id(seller_ids) if seller.is_house}


def _accounts(seller_id: int, house: bool) -> list[Account]:
    """Where a part's money sits: the seller's balances and the commission, or the shop's sales."""
    if house:
        return [chart.HOUSE_SALES]
    return [
        chart.seller(seller_id, SellerBucket.PENDING),
        chart.seller(seller_id, SellerBucket.AVAILABLE),
        chart.COMMISSION,
    ]


def _give_back(part: SellerOrder, house: bool, gross: Decimal, commission: Decimal) -> list[Line]:
    """Lines taking `gross` of a part's sale back to its customer: the seller's net from its
    pending balance (available once released, which may then go below zero) and the commission
    from the shop's."""
    if house:
        return [debit(chart.HOUSE_SALES, gross), credit(chart.CUSTOMER_FUNDS, gross)]
    bucket = SellerBucket.AVAILABLE if part.released_at is not None else SellerBucket.PENDING
    return [
        debit(chart.seller(part.seller_id, bucket), gross - commission),
        debit(chart.COMMISSION, commission),
        credit(chart.CUSTOMER_FUNDS, gross),
    ]


def post_sale(order: Order) -> None:
    """The order's payment was received: post each part's sale from its live lines and frozen
    commission, and the delivery fee. Once per part (the keys)."""
    parts = list(
        db.session.scalars(select(SellerOrder).where(SellerOrder.order_id == order.id).order_by(SellerOrder.id))
    )
    houses = _houses({part.seller_id for part in parts})
    live = db.session.execute(
        select(OrderLine.seller_id, func.sum(OrderLine.line_total), func.sum(CommissionLine.amount))
        .join(CommissionLine, CommissionLine.order_line_id == OrderLine.id)
        .where(OrderLine.order_id == order.id, OrderLine.cancelled_at.is_(None))
        .group_by(OrderLine.seller_id)
    ).tuples()
    sums = {seller_id: (Decimal(gross), Decimal(commission)) for seller_id, gross, commission in live}
    for part in parts:
        gross, commission = sums.get(part.seller_id, (ZERO, ZERO))
        house = part.seller_id in houses
        if house:
            lines = [credit(chart.HOUSE_SALES, gross)]
        else:
            lines = [
                credit(chart.seller(part.seller_id, SellerBucket.PENDING), gross - commission),
                credit(chart.COMMISSION, commission),
            ]
        post(
            f"seller-order:{part.id}:sale",
            "sale",
            [debit(chart.CUSTOMER_FUNDS, gross), *lines],
            order_id=order.id,
            seller_id=part.seller_id,
            reference=part.reference,
            memo=f"Sale {part.reference}",
        )
    post(
        f"order:{order.id}:delivery",
        "delivery_fee",
        [debit(chart.CUSTOMER_FUNDS, order.delivery_fee), credit(chart.DELIVERY_FEES, order.delivery_fee)],
        order_id=order.id,
        reference=order.reference,
        memo=f"Delivery fee {order.reference}",
    )


def post_order_cancelled(order: Order, actor_id: int | None) -> None:
    """A paid order was cancelled: all that its parts and its delivery fee still hold goes back
    to the customer's funds (its refund draws on them). Nothing, for an order never paid."""
    parts = list(db.session.scalars(select(SellerOrder).where(SellerOrder.order_id == order.id)))
    houses = _houses({part.seller_id for part in parts})
    for part in parts:
        unwind(
            f"seller-order:{part.id}:order-cancelled",
            "cancellation",
            order.id,
            _accounts(part.seller_id, part.seller_id in houses),
            chart.CUSTOMER_FUNDS,
            seller_id=part.seller_id,
            reference=part.reference,
            memo=f"Order {order.reference} cancelled",
            actor_id=actor_id,
        )
    unwind(
        f"order:{order.id}:delivery-cancelled",
        "cancellation",
        order.id,
        [chart.DELIVERY_FEES],
        chart.CUSTOMER_FUNDS,
        reference=order.reference,
        memo=f"Order {order.reference} cancelled",
        actor_id=actor_id,
    )


def post_part_cancelled(part: SellerOrder, lines: Sequence[OrderLine], actor_id: int | None) -> None:
    """A seller's part of a paid order was cancelled (the order goes on): its cancelled lines'
    worth goes back to the customer's funds, from their frozen commission."""
    if not lines or not is_posted(f"seller-order:{part.id}:sale"):
        return  # not paid yet: the sale, when it is, counts only live lines
    gross = sum((line.line_total for line in lines), ZERO)
    commission = db.session.scalar(
        select(func.coalesce(func.sum(CommissionLine.amount), 0)).where(
            CommissionLine.order_line_id.in_([line.id for line in lines])
        )
    )
    post(
        f"seller-order:{part.id}:cancelled",
        "cancellation",
        _give_back(part, part.seller_id in _houses({part.seller_id}), gross, Decimal(commission or 0)),
        order_id=part.order_id,
        seller_id=part.seller_id,
        reference=part.reference,
        memo=f"Part {part.reference} cancelled",
        actor_id=actor_id,
    )


def post_return(return_id: int, reversals: Sequence[CommissionReversal], amount: Decimal, fee: Decimal) -> None:
    """A return was refunded `amount`: the returned units' worth (`reversals`: their price paid
    and the commission frozen on them) and the delivery fee it included go back to the
    customer's funds. Refunded less than their worth, each part and the fee give back in
    proportion, to the cent, the last taking the rounding."""
    by_part: dict[int, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for reversal in reversals:
        by_part[reversal.seller_order_id][0] += reversal.gross
        by_part[reversal.seller_order_id][1] += reversal.amount
    worth = sum((gross for gross, _ in by_part.values()), ZERO) + fee
    if worth <= 0:
        return
    share = min(amount / worth, Decimal(1))
    parts = {part.id: part for part in db.session.scalars(select(SellerOrder).where(SellerOrder.id.in_(by_part)))}
    houses = _houses({part.seller_id for part in parts.values()})
    left = min(amount, worth)
    for part_id, (gross, commission) in sorted(by_part.items()):
        part = parts[part_id]
        given = (gross * share).quantize(CENT, rounding=ROUND_HALF_UP) if share < 1 else gross
        given = min(given, left)
        left -= given
        kept = (commission * share).quantize(CENT, rounding=ROUND_HALF_UP) if share < 1 else commission
        post(
            f"return:{return_id}:seller-order:{part.id}",
            "return",
            _give_back(part, part.seller_id in houses, given, min(kept, given)),
            order_id=part.order_id,
            seller_id=part.seller_id,
            reference=part.reference,
            memo=f"Return {return_id}",
        )
    if fee > 0 and parts:
        order_id = next(iter(parts.values())).order_id
        post(
            f"return:{return_id}:delivery",
            "return",
            [debit(chart.DELIVERY_FEES, left), credit(chart.CUSTOMER_FUNDS, left)],
            order_id=order_id,
            memo=f"Return {return_id}: delivery fee",
        )


def release(part: SellerOrder) -> bool:
    """Move a part's pending earnings to its seller's available balance, once (a conditional
    UPDATE claims it; the entry's key is the second guard)."""
    claimed = changed_rows(
        update(SellerOrder)
        .where(SellerOrder.id == part.id, SellerOrder.released_at.is_(None))
        .values(released_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed != 1:
        return False
    pending = chart.seller(part.seller_id, SellerBucket.PENDING)
    unwind(
        f"seller-order:{part.id}:released",
        "release",
        part.order_id,
        [pending],
        chart.seller(part.seller_id, SellerBucket.AVAILABLE),
        seller_id=part.seller_id,
        reference=part.reference,
        memo=f"{part.reference}: return window passed",
    )
    return True


def parts_due(now: datetime | None = None) -> list[int]:
    """Parts (not the house's) delivered RETURN_WINDOW_DAYS ago or more, not released, and held
    by no open return: their money may be released."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["RETURN_WINDOW_DAYS"])
    delivered = (
        select(SellerOrderEvent.seller_order_id, func.max(SellerOrderEvent.created_at).label("at"))
        .where(SellerOrderEvent.to_status == SellerOrderStatus.DELIVERED.value)
        .group_by(SellerOrderEvent.seller_order_id)
        .subquery()
    )
    rows = db.session.execute(
        select(SellerOrder.id, SellerOrder.order_id, SellerOrder.seller_id)
        .join(delivered, delivered.c.seller_order_id == SellerOrder.id)
        .where(
            SellerOrder.status == SellerOrderStatus.DELIVERED.value,
            SellerOrder.released_at.is_(None),
            delivered.c.at <= cutoff,
        )
        .order_by(SellerOrder.id)
    ).all()
    houses = _houses({row.seller_id for row in rows})
    held = sellers_awaiting_returns(sorted({row.order_id for row in rows}))
    return [row.id for row in rows if row.seller_id not in houses and (row.order_id, row.seller_id) not in held]


def release_due(now: datetime | None = None) -> int:
    """Release every part due (`parts_due`), each in its own unit of work; safe to run twice, and
    beside itself. Returns how many were released."""
    released = 0
    for part_id in parts_due(now):
        with unit_of_work():
            part = db.session.get(SellerOrder, part_id)
            if part is not None and release(part):
                released += 1
    return released
