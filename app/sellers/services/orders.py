"""Seller orders: each seller's part of an order, made in checkout's transaction with the
commission of every line frozen, and moving with the order; sellers read their own."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from itertools import groupby
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.catalog.services.products import categories_of
from app.catalog.services.sellers import seller_of
from app.common.db import after_commit, changed_rows
from app.common.pagination import paginate
from app.common.types import utcnow
from app.extensions import db
from app.orders.errors import InvalidTransition
from app.orders.models import Order, OrderLine
from app.orders.notices import lines_cancelled
from app.orders.services.fulfilment import advance, cancel_seller_lines, lock_order
from app.orders.status import OrderStatus
from app.payments.services.refunds import refund_cancelled_lines
from app.payments.tasks import send_refund
from app.sellers import notices
from app.sellers.errors import SellerOrderNotFound
from app.sellers.models import CommissionLine, CommissionReversal, SellerOrder, SellerOrderEvent
from app.sellers.services.commission import LineFacts, commissions
from app.sellers.services.earnings import post_part_cancelled
from app.sellers.status import FOLLOWS_ORDER, SELLER_ORDER_MOVES, SellerOrderStatus


def split_order(order: Order) -> list[SellerOrder]:
    """One seller order per seller of the order's lines (`{reference}-1`, `-2`... in the order
    the sellers first appear), each line's commission frozen now. Cash on delivery is to be
    fulfilled at once; any other method once paid."""
    lines = sorted(order.lines, key=lambda line: line.id)
    categories = categories_of({line.product_id for line in lines})
    frozen = commissions(
        LineFacts(line.product_id, categories[line.product_id], line.seller_id, line.quantity, line.line_total)
        for line in lines
    )
    by_line = dict(zip((line.id for line in lines), frozen, strict=True))
    first_seen: dict[int, int] = {}
    for line in lines:
        first_seen.setdefault(line.seller_id, len(first_seen))
    status = SellerOrderStatus.TO_FULFIL if order.payment_method == "cash" else SellerOrderStatus.AWAITING_PAYMENT
    made = []
    ordered = sorted(lines, key=lambda line: first_seen[line.seller_id])
    for n, (seller_id, group) in enumerate(groupby(ordered, key=lambda line: line.seller_id), 1):
        mine = list(group)
        subtotal = sum((line.line_total for line in mine), Decimal("0.00"))
        commission = sum((by_line[line.id].amount for line in mine), Decimal("0.00"))
        part = SellerOrder(
            order_id=order.id,
            seller_id=seller_id,
            reference=f"{order.reference}-{n}",
            status=status.value,
            subtotal=subtotal,
            commission=commission,
            net=subtotal - commission,
            units=sum(line.quantity for line in mine),
        )
        part.events = [SellerOrderEvent(from_status=None, to_status=status.value, actor_kind="system")]
        db.session.add(part)
        made.append((part, mine))
    db.session.flush()
    if status is SellerOrderStatus.TO_FULFIL:  # cash on delivery: theirs to fulfil at once
        for part, _ in made:
            notices.seller_order_moved(part, status.value)
    for part, mine in made:
        for line in mine:
            frozen_line = by_line[line.id]
            rate = frozen_line.rate
            db.session.add(
                CommissionLine(
                    order_line_id=line.id,
                    seller_order_id=part.id,
                    rate_id=rate.id if rate else None,
                    scope=rate.scope if rate else None,
                    kind=rate.kind if rate else None,
                    rate_bps=rate.rate_bps if rate else None,
                    unit_amount=rate.amount if rate else None,
                    quantity=line.quantity,
                    line_total=line.line_total,
                    amount=frozen_line.amount,
                )
            )
    return [part for part, _ in made]


def follow_order(order: Order, status: str, actor_id: int | None, actor_kind: str) -> None:
    """The order moved as a whole (paid, shipped, cancelled...): its seller orders follow, each
    from the states the move covers, with an event each."""
    rule = FOLLOWS_ORDER.get(status)
    if rule is None:
        return
    to, sources = rule
    parts = db.session.scalars(
        select(SellerOrder)
        .where(SellerOrder.order_id == order.id, SellerOrder.status.in_([s.value for s in sources]))
        .with_for_update()
    ).all()
    for part in parts:
        previous = part.status
        db.session.execute(
            update(SellerOrder)
            .where(SellerOrder.id == part.id, SellerOrder.status == previous)
            .values(status=to.value, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.add(
            SellerOrderEvent(
                seller_order_id=part.id,
                from_status=previous,
                to_status=to.value,
                actor_id=actor_id,
                actor_kind=actor_kind,
                note=f"The order is {status}.",
            )
        )
        notices.seller_order_moved(part, to.value)


# Fulfilment ----------------------------------------------------------------------------------------


def move_part(
    user: User, seller_order_id: int, to: SellerOrderStatus, *, as_admin: bool = False, **details: str | None
) -> SellerOrder:
    """A seller packs or ships its own part; staff may too, and only staff mark it delivered.
    A conditional UPDATE on the state it was read in (two moves racing: one wins, one is 409),
    an event, then the order follows: processing once any part is packed, shipped once every
    live part is, delivered once every live part is."""
    part = _move(user, seller_order_id, to, as_admin=as_admin, **details)
    _order_follows(part.order_id)
    return get_seller_order(user, part.id, as_admin=as_admin)


def cancel_part(user: User, seller_order_id: int, reason: str, *, as_admin: bool = False) -> SellerOrder:
    """A seller cannot deliver its part (out of stock...), before it ships; staff may cancel it
    too. Its lines go back to stock exactly once, and are no longer due: what the customer paid
    for them is refunded through payments (the delivery fee stays), the customer is told, and
    the other sellers' parts go on. Cancelling the last live part cancels the order as a
    customer's cancellation does. The order's row is locked first, so a customer cancelling the
    order at the same moment waits, then finds this part cancelled (or this one finds the order
    cancelled and gets 409): restocked once, refunded once."""
    part = _move(user, seller_order_id, SellerOrderStatus.CANCELLED, as_admin=as_admin, reason=reason)
    order, lines = cancel_seller_lines(part.order_id, part.seller_id, user, reason)
    if lines and order.status != OrderStatus.CANCELLED.value:
        post_part_cancelled(part, lines, user.id)  # before the refund, which draws on what it gives back
        value = sum((line.line_total for line in lines), Decimal("0.00"))
        owed, refunds = refund_cancelled_lines(order.id, value, f"Part {part.reference} cancelled by its seller")
        for refund_id in refunds:
            after_commit(send_refund.delay, refund_id)
        lines_cancelled(order, lines, reason, refunded=owed)
        _order_follows(order.id)
    if as_admin:
        notices.seller_order_moved(part, SellerOrderStatus.CANCELLED.value)
    return get_seller_order(user, part.id, as_admin=as_admin)


def _move(
    user: User, seller_order_id: int, to: SellerOrderStatus, *, as_admin: bool, **details: str | None
) -> SellerOrder:
    stmt = select(SellerOrder.order_id).where(SellerOrder.id == seller_order_id)
    if not as_admin:
        stmt = stmt.where(SellerOrder.seller_id == _store_id(user))
    order_id = db.session.scalar(stmt)
    if order_id is None:
        raise SellerOrderNotFound("No such seller order.")
    lock_order(order_id)  # the order first, then its part: no two parts of one order move at once
    part = db.session.get(SellerOrder, seller_order_id, with_for_update=True, populate_existing=True)
    assert part is not None
    current = part.status
    who = "admin" if as_admin else "seller"
    if who not in SELLER_ORDER_MOVES.get((SellerOrderStatus(current), to), frozenset()):
        allowed = [t.value for (f, t), by in SELLER_ORDER_MOVES.items() if f.value == current and who in by]
        raise InvalidTransition(
            f"A seller order that is {current} cannot become {to.value}"
            + (f"; it can become: {', '.join(allowed)}." if allowed else "."),
            allowed=allowed,
        )
    reason = details.pop("reason", None)
    values: dict[str, Any] = {"status": to.value, "updated_at": utcnow()}
    values.update({name: value for name, value in details.items() if value is not None})
    moved = changed_rows(
        update(SellerOrder)
        .where(SellerOrder.id == part.id, SellerOrder.status == current)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved != 1:
        raise InvalidTransition("The seller order changed meanwhile: read it again.", allowed=[])
    note = reason or ", ".join(f"{name}: {value}" for name, value in details.items() if value) or None
    db.session.add(
        SellerOrderEvent(
            seller_order_id=part.id,
            from_status=current,
            to_status=to.value,
            actor_id=user.id,
            actor_kind=who,
            note=note,
        )
    )
    db.session.flush()
    return part


def _order_follows(order_id: int) -> None:
    statuses = [
        status
        for status in db.session.scalars(select(SellerOrder.status).where(SellerOrder.order_id == order_id))
        if status != SellerOrderStatus.CANCELLED.value
    ]
    if not statuses:
        return
    if all(status == SellerOrderStatus.DELIVERED.value for status in statuses):
        advance(order_id, OrderStatus.DELIVERED, "Every seller delivered.")
    elif all(status in (SellerOrderStatus.SHIPPED.value, SellerOrderStatus.DELIVERED.value) for status in statuses):
        advance(order_id, OrderStatus.SHIPPED, "Every seller shipped.")
    elif any(status != SellerOrderStatus.TO_FULFIL.value for status in statuses):
        advance(order_id, OrderStatus.PROCESSING, "A seller is preparing it.")


# Reads -----------------------------------------------------------------------------------------------


def _store_id(user: User) -> int:
    seller = seller_of(user)
    if seller is None:
        raise SellerOrderNotFound("You have no store.")
    return seller.id


def list_seller_orders(user: User, query: dict[str, Any], *, as_admin: bool = False) -> dict[str, Any]:
    """The caller's store's seller orders (every seller's `as_admin`, or one `seller_id`'s),
    newest first: by status, date range, reference."""
    stmt = select(SellerOrder).order_by(SellerOrder.created_at.desc(), SellerOrder.id.desc())
    if not as_admin:
        stmt = stmt.where(SellerOrder.seller_id == _store_id(user))
    elif query.get("seller_id") is not None:
        stmt = stmt.where(SellerOrder.seller_id == query["seller_id"])
    if query.get("status"):
        stmt = stmt.where(SellerOrder.status.in_(query["status"]))
    if query.get("created_from"):
        stmt = stmt.where(SellerOrder.created_at >= query["created_from"])
    if query.get("created_to"):
        stmt = stmt.where(SellerOrder.created_at < query["created_to"])
    if query.get("reference"):
        reference = query["reference"].strip().upper()
        stmt = stmt.where((SellerOrder.reference == reference) | SellerOrder.reference.startswith(reference + "-"))
    page = paginate(stmt.options(selectinload(SellerOrder.events)), query["page"], query["per_page"])
    page["items"] = _all_with_details(page["items"])
    return page


def get_seller_order(user: User, seller_order_id: int, *, as_admin: bool = False) -> SellerOrder:
    """One of the caller's store's seller orders (any, `as_admin`); another seller's is 404."""
    stmt = select(SellerOrder).where(SellerOrder.id == seller_order_id)
    if not as_admin:
        stmt = stmt.where(SellerOrder.seller_id == _store_id(user))
    part = db.session.scalar(stmt.options(selectinload(SellerOrder.events)).execution_options(populate_existing=True))
    if part is None:
        raise SellerOrderNotFound("No such seller order.")
    return _with_details(part)


def _with_details(part: SellerOrder) -> SellerOrder:
    return _all_with_details([part])[0]


def _all_with_details(parts: Sequence[SellerOrder]) -> list[SellerOrder]:
    """The seller orders with what their page shows: their lines with the frozen commission and
    what came back, and of the buyer only what delivery needs (recipient, phone, county, town).
    Two queries for a page of any size."""
    if not parts:
        return []
    ids = [part.id for part in parts]
    orders = {o.id: o for o in db.session.scalars(select(Order).where(Order.id.in_({p.order_id for p in parts})))}
    returned = (
        select(
            CommissionReversal.commission_line_id,
            func.sum(CommissionReversal.quantity).label("units"),
            func.sum(CommissionReversal.amount).label("amount"),
        )
        .where(CommissionReversal.seller_order_id.in_(ids))
        .group_by(CommissionReversal.commission_line_id)
        .subquery()
    )
    lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line, part_id, amount, units, reversed_ in db.session.execute(
        select(OrderLine, CommissionLine.seller_order_id, CommissionLine.amount, returned.c.units, returned.c.amount)
        .join(CommissionLine, CommissionLine.order_line_id == OrderLine.id)
        .outerjoin(returned, returned.c.commission_line_id == CommissionLine.id)
        .where(CommissionLine.seller_order_id.in_(ids))
        .order_by(OrderLine.id)
    ).tuples():
        lines[part_id].append(
            {
                "order_line_id": line.id,
                "product_id": line.product_id,
                "name": line.name,
                "sku": line.sku,
                "unit_price": line.unit_price,
                "quantity": line.quantity,
                "line_total": line.line_total,
                "commission": amount,
                "cancelled": line.cancelled_at is not None,
                "returned_quantity": int(units or 0),
                "commission_reversed": reversed_ if reversed_ is not None else Decimal("0.00"),
            }
        )
    for part in parts:
        order = orders[part.order_id]
        address = order.shipping_address or {}
        part.lines = lines[part.id]
        part.currency = order.currency
        part.order_reference = order.reference
        part.payment_method = order.payment_method
        part.deliver_to = {key: address.get(key) for key in ("recipient", "phone", "county", "town")}
    return list(parts)
