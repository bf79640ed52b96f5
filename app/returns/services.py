"""Return rules: what may come back (within the window, never more than was bought), the status
machine, restocking exactly once, and the refund through the payments domain's refund service."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update
from werkzeug.datastructures import FileStorage

from app.auth.models import Role, User
from app.catalog.services.stock import give_back_stock
from app.common.db import changed_rows, on_rollback
from app.common.pagination import paginate
from app.common.storage import check_link, delete_media, media_root, save_image
from app.common.types import utcnow
from app.errors import ValidationFailed
from app.extensions import db
from app.orders.errors import InvalidTransition
from app.orders.models import Order, OrderLine
from app.orders.services.orders import Actor, mark_returned, order_for_return
from app.orders.status import OrderStatus, PaymentMethod
from app.payments.errors import RefundExceedsPayment
from app.payments.services.refunds import refund_order
from app.returns import notices
from app.returns.errors import (
    OrderNotReturnable,
    ReturnImageNotFound,
    ReturnNotFound,
    ReturnWindowClosed,
    TooManyReturnImages,
)
from app.returns.models import ReturnEvent, ReturnImage, ReturnLine, ReturnRequest
from app.returns.periods import PERIODS
from app.returns.signals import return_refunded, return_requested
from app.returns.status import HOLDING, TRANSITIONS, ReturnReason, ReturnStatus, allowed_next


def _visible_to(user: User, stmt: Any) -> Any:
    return stmt if user.role == Role.ADMIN.value else stmt.where(ReturnRequest.user_id == user.id)


def get_return(user: User, return_id: int) -> ReturnRequest:
    """A return its customer (or an admin) may see; anyone else's is 404."""
    found = db.session.scalar(_visible_to(user, select(ReturnRequest).where(ReturnRequest.id == return_id)))
    if found is None:
        raise ReturnNotFound("No such return.")
    return found


def list_returns(user: User, query: dict[str, Any]) -> dict[str, Any]:
    """A customer's returns, or (admins) everyone's filtered by status, order, customer and date."""
    stmt = _visible_to(user, select(ReturnRequest)).order_by(ReturnRequest.created_at.desc(), ReturnRequest.id.desc())
    if query.get("status"):
        stmt = stmt.where(ReturnRequest.status.in_(query["status"]))
    if query.get("order_id") is not None:
        stmt = stmt.where(ReturnRequest.order_id == query["order_id"])
    if query.get("customer_id") is not None and user.role == Role.ADMIN.value:
        stmt = stmt.where(ReturnRequest.user_id == query["customer_id"])
    if query.get("created_from") is not None:
        stmt = stmt.where(ReturnRequest.created_at >= query["created_from"])
    if query.get("created_to") is not None:
        stmt = stmt.where(ReturnRequest.created_at < query["created_to"])
    return paginate(stmt, query["page"], query["per_page"])


def _held(order_id: int, statuses: tuple[str, ...] = HOLDING) -> dict[int, int]:
    """Units of each order line in the order's returns in `statuses` (the live ones: requested
    to refunded)."""
    stmt = (
        select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
        .join(ReturnRequest, ReturnRequest.id == ReturnLine.return_id)
        .where(ReturnRequest.order_id == order_id, ReturnRequest.status.in_(statuses))
        .group_by(ReturnLine.order_line_id)
    )
    return {line_id: int(units) for line_id, units in db.session.execute(stmt).all()}


def _record(request: ReturnRequest, frm: str | None, to: str, actor: Actor, note: str | None) -> None:
    request.events.append(
        ReturnEvent(
            from_status=frm,
            to_status=to,
            actor_id=actor.user.id if actor.user else None,
            actor_kind=actor.kind.value,
            note=note,
        )
    )


def create_return(user: User, data: dict[str, Any]) -> ReturnRequest:
    """Ask to return lines of a delivered order, within RETURN_WINDOW_DAYS of delivery; a line's
    quantity is at most what was bought less what other live returns hold."""
    order, delivered_at = order_for_return(user, data["order_id"])  # locked: one return at a time
    if order.status != OrderStatus.DELIVERED.value or delivered_at is None:
        raise OrderNotReturnable(f"This order is {order.status}: only a delivered order can be returned.")
    window = timedelta(days=current_app.config["RETURN_WINDOW_DAYS"])
    if utcnow() > delivered_at + window:
        raise ReturnWindowClosed(
            f"Returns are accepted for {window.days} days after delivery; this order was delivered on "
            f"{delivered_at.date().isoformat()}."
        )
    cancelled = {line.id for line in order.lines if line.cancelled_at is not None}
    bought = {line.id: line for line in order.lines if line.cancelled_at is None}
    held = _held(order.id)
    asked: dict[int, int] = defaultdict(int)
    for item in data["lines"]:
        asked[item["order_line_id"]] += item["quantity"]
    problems: dict[str, list[str]] = {}
    for line_id, quantity in asked.items():
        line = bought.get(line_id)
        if line_id in cancelled:
            problems[f"lines.{line_id}"] = ["Its seller cancelled it: it was never delivered."]
        elif line is None:
            problems[f"lines.{line_id}"] = ["Not a line of this order."]
        elif quantity > line.quantity - held.get(line_id, 0):
            left = line.quantity - held.get(line_id, 0)
            problems[f"lines.{line_id}"] = [f"At most {left} of {line.name} can still be returned."]
    if problems:
        raise ValidationFailed("Some lines cannot be returned.", errors=problems)
    request = ReturnRequest(
        order_id=order.id,
        user_id=order.user_id,
        status=ReturnStatus.REQUESTED.value,
        reason=data["reason"],
        details=data.get("details"),
        refund_to=_refund_to(data.get("refund_to", "original")),
        lines=[
            ReturnLine(
                order_line_id=line_id,
                product_id=bought[line_id].product_id,
                name=bought[line_id].name,
                unit_price=bought[line_id].unit_price,
                quantity=quantity,
            )
            for line_id, quantity in asked.items()
        ],
    )
    db.session.add(request)
    _record(request, None, ReturnStatus.REQUESTED.value, Actor.of(user), data.get("details"))
    db.session.flush()
    notices.return_requested(request)
    return_requested.send(request, lines=dict(asked))
    return request


def _move(request: ReturnRequest, to: ReturnStatus, actor: Actor, note: str | None = None) -> None:
    """Take the transition if the table allows it for `actor`: a conditional UPDATE on the state
    it was read in, so of two racing decisions one wins and the other is 409."""
    current = request.status
    if actor.kind not in TRANSITIONS.get((ReturnStatus(current), to), frozenset()):
        allowed = [state.value for state in allowed_next(current, actor.kind)]
        raise InvalidTransition(
            f"A return that is {current} cannot become {to.value}"
            + (f"; it can become: {', '.join(allowed)}." if allowed else "."),
            allowed=allowed,
        )
    moved = changed_rows(
        update(ReturnRequest)
        .where(ReturnRequest.id == request.id, ReturnRequest.status == current)
        .values(status=to.value, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved != 1:
        db.session.refresh(request)
        raise InvalidTransition(f"The return changed meanwhile: it is now {request.status}.", allowed=[])
    db.session.refresh(request, ["status", "updated_at"])
    _record(request, current, to.value, actor, note)
    notices.return_moved(request, to, note)


def cancel_return(user: User, return_id: int) -> ReturnRequest:
    """The customer withdraws a return not yet decided."""
    request = get_return(user, return_id)
    if request.user_id != user.id:
        raise ReturnNotFound("No such return.")
    _move(request, ReturnStatus.CANCELLED, Actor.of(user))
    return request


def approve_return(admin: User, return_id: int, note: str | None = None) -> ReturnRequest:
    request = get_return(admin, return_id)
    _move(request, ReturnStatus.APPROVED, Actor.of(admin), note)
    return request


def reject_return(admin: User, return_id: int, reason: str) -> ReturnRequest:
    request = get_return(admin, return_id)
    _move(request, ReturnStatus.REJECTED, Actor.of(admin), reason)
    request.rejection_reason = reason
    return request


def receive_return(admin: User, return_id: int, restock: bool) -> ReturnRequest:
    """The parcel arrived; with `restock` its units go back to stock, exactly once (the
    `restocked_at` claim is a conditional UPDATE)."""
    request = get_return(admin, return_id)
    _move(request, ReturnStatus.RECEIVED, Actor.of(admin), "restocked" if restock else "not restocked")
    if restock:
        claimed = changed_rows(
            update(ReturnRequest)
            .where(ReturnRequest.id == request.id, ReturnRequest.restocked_at.is_(None))
            .values(restocked_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if claimed == 1:
            units: dict[int, int] = defaultdict(int)
            for line in request.lines:
                units[line.product_id] += line.quantity
            give_back_stock(units)
            db.session.refresh(request, ["restocked_at"])
    return request


OPEN = (ReturnStatus.REQUESTED.value, ReturnStatus.APPROVED.value, ReturnStatus.RECEIVED.value)


def sellers_awaiting_returns(order_ids: list[int]) -> set[tuple[int, int]]:
    """The (order, seller) pairs among these orders that an open return (asked, approved or
    received, not yet refunded) holds lines of: their money is not settled yet."""
    if not order_ids:
        return set()
    rows = db.session.execute(
        select(OrderLine.order_id, OrderLine.seller_id)
        .join(ReturnLine, ReturnLine.order_line_id == OrderLine.id)
        .join(ReturnRequest, ReturnRequest.id == ReturnLine.return_id)
        .where(OrderLine.order_id.in_(order_ids), ReturnRequest.status.in_(OPEN))
        .distinct()
    ).tuples()
    return set(rows)


def refundable(request: ReturnRequest, order: Order) -> Decimal:
    """What a return may refund: its lines at the prices paid, plus the delivery fee when, with
    it, every unit of the order has come back (lines their sellers cancelled were never sent)."""
    goods, fee = _worth(request, order)
    return goods + fee


def _worth(request: ReturnRequest, order: Order) -> tuple[Decimal, Decimal]:
    goods = sum((line.unit_price * line.quantity for line in request.lines), Decimal("0.00"))
    held = _held(order.id)
    whole = all(held.get(line.id, 0) >= line.quantity for line in order.lines if line.cancelled_at is None)
    return goods, (order.delivery_fee if whole else Decimal("0.00"))


def _refund_to(choice: str) -> str:
    if choice == "wallet" and not current_app.config["WALLET_REFUNDS"]:
        raise ValidationFailed.field("refund_to", "This shop does not refund into wallets.")
    return choice


def refund_return(
    admin: User, return_id: int, amount: Decimal | None, reference: str | None, refund_to: str | None = None
) -> ReturnRequest:
    """Refund a received return on the order's payment (Paystack, PayPal: sent to the provider;
    M-Pesa, cash: recorded with the admin's `reference`). At most its lines' worth; when every
    line of the order is back and refunded, the order becomes `returned`."""
    request = get_return(admin, return_id)
    order, _ = order_for_return(admin, request.order_id)
    goods, fee = _worth(request, order)
    most = goods + fee
    amount = most if amount is None else amount
    if amount > most:
        raise RefundExceedsPayment(f"This return refunds at most {order.currency} {most}.", refundable=str(most))
    _move(request, ReturnStatus.REFUNDED, Actor.of(admin), f"{order.currency} {amount}")
    request.refund_amount = amount
    # Told before the refund is made: what the returned units were owed onward comes back to the
    # customer's funds first, and the refund is drawn on them.
    return_refunded.send(
        request, lines={line.order_line_id: line.quantity for line in request.lines}, amount=amount, delivery_fee=fee
    )
    request.refund_to = _refund_to(refund_to or request.refund_to)
    to_wallet = request.refund_to == "wallet"
    refund = refund_order(admin, order.id, amount, f"Return {request.id}", reference, to_wallet=to_wallet)
    request.refund_id = refund.id
    refunded = _held(order.id, (ReturnStatus.REFUNDED.value,))
    if all(refunded.get(line.id, 0) >= line.quantity for line in order.lines if line.cancelled_at is None):
        mark_returned(order.id, f"Every line returned (return {request.id}).")
    return request


MAX_IMAGES = 5


def add_image(user: User, return_id: int, upload: FileStorage) -> ReturnImage:
    """The customer adds an evidence photo (1600 px max, re-encoded) while the return is open;
    at most MAX_IMAGES."""
    request = get_return(user, return_id)
    if request.user_id != user.id:
        raise ReturnNotFound("No such return.")
    db.session.execute(select(ReturnRequest.id).where(ReturnRequest.id == request.id).with_for_update())
    if request.status not in (ReturnStatus.REQUESTED.value, ReturnStatus.APPROVED.value):
        raise InvalidTransition(f"This return is {request.status}: photos are added while it is open.", allowed=[])
    count = db.session.scalar(select(func.count()).where(ReturnImage.return_id == request.id)) or 0
    if count >= MAX_IMAGES:
        raise TooManyReturnImages(f"A return has at most {MAX_IMAGES} photos.")
    # A customer's photo of their parcel, maybe of their home: private media (app/common/storage.py).
    path = save_image(upload, "returns", max_side=1600, private=True)
    on_rollback(partial(delete_media, path, private=True))
    image = ReturnImage(return_id=request.id, path=path)
    db.session.add(image)
    db.session.flush()
    return image


def image_file(return_id: int, image_id: int, expires: int, signature: str) -> Path:
    """The file of a return photo, opened by the signed link a return's response carries
    (`ReturnImageOut.url`); a link not signed for this photo is 404, an expired one 403
    `media_link_expired` (the return read again gives a fresh one)."""
    image = db.session.scalar(select(ReturnImage).where(ReturnImage.id == image_id, ReturnImage.return_id == return_id))
    if image is None or not check_link(image.path, expires, signature):
        raise ReturnImageNotFound("No such photo.")
    path = media_root(private=True) / image.path
    if not path.is_file():  # lost from the disk: the same answer, not werkzeug's bare 404
        raise ReturnImageNotFound("No such photo.")
    return path


# Statistics -----------------------------------------------------------------------------------------


def return_stats(
    period: str, seller_id: int | None = None, now: Any = None, units_sold: int | None = None
) -> dict[str, Any]:
    """Returns over the last `period` (7d, 30d, 90d): how many by status and by reason, and the
    return rate, units returned (in returns asked for in the period and not rejected or
    cancelled) over units sold (in orders placed in the period, paid or cash on delivery, not
    cancelled, lines their seller cancelled left out). With `seller_id`, only that seller's lines count."""
    until = now or utcnow()
    since = until - timedelta(days=PERIODS[period])
    lines = select(ReturnLine.return_id, ReturnLine.quantity).join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
    if seller_id is not None:
        lines = lines.where(OrderLine.seller_id == seller_id)
    touching = lines.subquery()
    in_period = (ReturnRequest.created_at >= since, ReturnRequest.created_at < until)
    mine = select(touching.c.return_id)
    by_status = dict(
        db.session.execute(
            select(ReturnRequest.status, func.count())
            .where(*in_period, ReturnRequest.id.in_(mine))
            .group_by(ReturnRequest.status)
        )
        .tuples()
        .all()
    )
    by_reason = dict(
        db.session.execute(
            select(ReturnRequest.reason, func.count())
            .where(*in_period, ReturnRequest.id.in_(mine))
            .group_by(ReturnRequest.reason)
        )
        .tuples()
        .all()
    )
    returned = db.session.scalar(
        select(func.coalesce(func.sum(touching.c.quantity), 0))
        .join(ReturnRequest, ReturnRequest.id == touching.c.return_id)
        .where(*in_period, ReturnRequest.status.in_(HOLDING))
    )
    sold_lines = (
        select(func.coalesce(func.sum(OrderLine.quantity), 0))
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.created_at >= since,
            Order.created_at < until,
            Order.status != OrderStatus.CANCELLED.value,
            # Sold once paid, or once placed for cash on delivery; an unpaid order is not a sale yet.
            (Order.payment_method == PaymentMethod.CASH.value) | (Order.status != OrderStatus.PENDING_PAYMENT.value),
            OrderLine.cancelled_at.is_(None),
        )
    )
    if seller_id is not None:
        sold_lines = sold_lines.where(OrderLine.seller_id == seller_id)
    sold = units_sold if units_sold is not None else int(db.session.scalar(sold_lines) or 0)
    units = int(returned or 0)
    return {
        "period": period,
        "since": since,
        "until": until,
        "returns": sum(by_status.values()),
        "by_status": {status.value: int(by_status.get(status.value, 0)) for status in ReturnStatus},
        "by_reason": {reason.value: int(by_reason.get(reason.value, 0)) for reason in ReturnReason},
        "units_returned": units,
        "units_sold": sold,
        "return_rate": (Decimal(units) / sold).quantize(Decimal("0.0001")) if sold else None,
    }
