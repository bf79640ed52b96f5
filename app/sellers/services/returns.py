"""Returns as sellers see them: told when a return touches their part, their side of it (seen,
accepted or disputed by SELLER_RETURN_RESPONSE_DAYS) for the admins' decision, and the commission
frozen on returned units given back, pro rata by quantity, when the return is refunded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from app.auth.models import User
from app.catalog.services.sellers import my_store, seller_of, sellers_by_id
from app.common.db import changed_rows
from app.common.pagination import paginate
from app.common.types import utcnow
from app.extensions import db
from app.orders.models import OrderLine
from app.returns.models import ReturnLine, ReturnRequest
from app.returns.services import return_stats
from app.sellers import notices
from app.sellers.errors import AlreadyResponded, ResponseWindowClosed, SellerReturnNotFound
from app.sellers.models import (
    CommissionLine,
    CommissionReversal,
    SellerOrder,
    SellerOrderEvent,
    SellerReturnResponse,
)
from app.sellers.services.dashboard import units_sold
from app.sellers.status import SellerOrderStatus

CENT = Decimal("0.01")


def _parts_of(lines: dict[int, int]) -> dict[int, list[tuple[CommissionLine, int]]]:
    """The commission lines of the order lines in `lines`, by seller order, each with its units."""
    frozen = db.session.scalars(
        select(CommissionLine).where(CommissionLine.order_line_id.in_(lines)).order_by(CommissionLine.id)
    ).all()
    parts: dict[int, list[tuple[CommissionLine, int]]] = defaultdict(list)
    for line in frozen:
        parts[line.seller_order_id].append((line, lines[line.order_line_id]))
    return parts


def return_requested(return_id: int, lines: dict[int, int]) -> None:
    """Every seller whose lines a new return holds is told (in the app and by email) and gets its
    side of the return to answer by SELLER_RETURN_RESPONSE_DAYS from now."""
    respond_by = utcnow() + timedelta(days=current_app.config["SELLER_RETURN_RESPONSE_DAYS"])
    for part_id, held in _parts_of(lines).items():
        part = db.session.get(SellerOrder, part_id)
        assert part is not None
        db.session.add(
            SellerReturnResponse(
                return_id=return_id, seller_id=part.seller_id, seller_order_id=part.id, respond_by=respond_by
            )
        )
        notices.part_returned(part, return_id, sum(units for _, units in held), refunded=False)


# The seller's side: reading, acknowledging, answering ---------------------------------------------


def _mine(user: User, return_id: int, *, lock: bool = False) -> SellerReturnResponse:
    seller = seller_of(user)
    stmt = select(SellerReturnResponse).where(
        SellerReturnResponse.return_id == return_id, SellerReturnResponse.seller_id == (seller.id if seller else -1)
    )
    found = db.session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise SellerReturnNotFound("No such return of your products.")
    return found


def _views(sides: Sequence[SellerReturnResponse]) -> list[dict[str, Any]]:
    """Returns as their sellers see them: its status and reason, only the seller's lines, and the
    seller's own answer; nothing else of the customer. Three queries for any number of them."""
    if not sides:
        return []
    return_ids = {side.return_id for side in sides}
    requests = {r.id: r for r in db.session.scalars(select(ReturnRequest).where(ReturnRequest.id.in_(return_ids)))}
    parts = {
        p.id: p
        for p in db.session.scalars(
            select(SellerOrder).where(SellerOrder.id.in_({side.seller_order_id for side in sides}))
        )
    }
    lines: dict[tuple[int, int], list[ReturnLine]] = defaultdict(list)
    for line, seller_id in db.session.execute(
        select(ReturnLine, OrderLine.seller_id)
        .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
        .where(ReturnLine.return_id.in_(return_ids))
        .order_by(ReturnLine.id)
    ).tuples():
        lines[(line.return_id, seller_id)].append(line)
    views = []
    for side in sides:
        request, part = requests[side.return_id], parts[side.seller_order_id]
        views.append(
            {
                "return_id": request.id,
                "seller_order_id": part.id,
                "seller_order_reference": part.reference,
                "status": request.status,
                "reason": request.reason,
                "details": request.details,
                "lines": [
                    {
                        "order_line_id": line.order_line_id,
                        "name": line.name,
                        "unit_price": line.unit_price,
                        "quantity": line.quantity,
                    }
                    for line in lines[(request.id, side.seller_id)]
                ],
                "created_at": request.created_at,
                "respond_by": side.respond_by,
                "acknowledged_at": side.acknowledged_at,
                "response": side.response,
                "response_reason": side.reason,
                "responded_at": side.responded_at,
            }
        )
    return views


def _view(side: SellerReturnResponse) -> dict[str, Any]:
    return _views([side])[0]


def list_my_returns(user: User, query: dict[str, Any]) -> dict[str, Any]:
    """Returns holding the caller's store's lines, newest first; by the return's status, and
    `answered` (whether the seller has answered yet)."""
    seller = seller_of(user)
    stmt = (
        select(SellerReturnResponse)
        .where(SellerReturnResponse.seller_id == (seller.id if seller else -1))
        .order_by(SellerReturnResponse.created_at.desc(), SellerReturnResponse.id.desc())
    )
    if query.get("status"):
        stmt = stmt.join(ReturnRequest, ReturnRequest.id == SellerReturnResponse.return_id).where(
            ReturnRequest.status.in_(query["status"])
        )
    if query.get("answered") is not None:
        answered = SellerReturnResponse.responded_at.is_not(None)
        stmt = stmt.where(answered if query["answered"] else ~answered)
    page = paginate(stmt, query["page"], query["per_page"])
    page["items"] = _views(page["items"])
    return page


def my_return_stats(user: User, period: str) -> dict[str, Any]:
    """The returns statistics of the caller's store (returns' own, over its lines only)."""
    seller_id = my_store(user).id
    return return_stats(period, seller_id=seller_id, units_sold=units_sold(seller_id, period))


def get_my_return(user: User, return_id: int) -> dict[str, Any]:
    """One return holding the caller's lines; any other is 404 `seller_return_not_found`."""
    return _view(_mine(user, return_id))


def acknowledge(user: User, return_id: int) -> dict[str, Any]:
    """The seller has seen the return (once; again changes nothing)."""
    side = _mine(user, return_id, lock=True)
    if side.acknowledged_at is None:
        side.acknowledged_at = utcnow()
    return _view(side)


def respond(user: User, return_id: int, response: str, reason: str | None) -> dict[str, Any]:
    """The seller accepts or disputes the return (a dispute says why), once, by `respond_by`
    (409 `response_window_closed` after; admins decide without it). The row is locked: two
    answers at once, one wins."""
    side = _mine(user, return_id, lock=True)
    if side.responded_at is not None:
        raise AlreadyResponded(f"You answered this return already ({side.response}).")
    now = utcnow()
    if now > side.respond_by:
        raise ResponseWindowClosed(
            f"Answers were due by {side.respond_by.isoformat()}: an admin decides this return without yours."
        )
    side.response, side.reason, side.responded_at, side.responded_by_id = response, reason, now, user.id
    side.acknowledged_at = side.acknowledged_at or now
    notices.return_answered(side)
    return _view(side)


def responses_to(return_id: int) -> list[dict[str, Any]]:
    """Admins: every seller's side of a return, for the decision (an unknown return: none)."""
    sides = db.session.scalars(
        select(SellerReturnResponse)
        .where(SellerReturnResponse.return_id == return_id)
        .order_by(SellerReturnResponse.id)
    ).all()
    stores = {seller.id: seller for seller in sellers_by_id({side.seller_id for side in sides})}
    return [
        {
            "seller": stores.get(side.seller_id),
            "seller_order_id": side.seller_order_id,
            "respond_by": side.respond_by,
            "acknowledged_at": side.acknowledged_at,
            "response": side.response,
            "reason": side.reason,
            "responded_at": side.responded_at,
        }
        for side in sides
    ]


def reversal_for(frozen: CommissionLine, reversed_units: int, units: int) -> Decimal:
    """The commission to give back for `units` more returned units of a line whose earlier
    returns gave back `reversed_units`: the frozen amount pro rata by quantity, rounded half up
    on the running total, so every unit of a line returned gives back exactly its frozen
    amount (never a rate applied again)."""

    def share(n: int) -> Decimal:
        return (frozen.amount * n / frozen.quantity).quantize(CENT, rounding=ROUND_HALF_UP)

    return share(reversed_units + units) - share(reversed_units)


def reverse_commission(return_id: int, lines: dict[int, int]) -> list[CommissionReversal]:
    """A return was refunded: for each of its lines the commission frozen on the returned units is
    reversed, once per return (a unique constraint), the commission lines locked so two
    returns of one line reverse one after the other. A part whose every live unit has come
    back becomes `returned`. Each seller is told."""
    made: list[CommissionReversal] = []
    for part_id, held in _parts_of(lines).items():
        db.session.scalars(
            select(CommissionLine.id).where(CommissionLine.seller_order_id == part_id).with_for_update()
        ).all()
        for frozen, units in held:
            before = db.session.scalar(
                select(func.coalesce(func.sum(CommissionReversal.quantity), 0)).where(
                    CommissionReversal.commission_line_id == frozen.id
                )
            )
            units = min(units, frozen.quantity - int(before or 0))
            if units <= 0:
                continue
            unit_price = frozen.line_total / frozen.quantity
            reversal = CommissionReversal(
                commission_line_id=frozen.id,
                seller_order_id=part_id,
                return_id=return_id,
                quantity=units,
                gross=(unit_price * units).quantize(CENT, rounding=ROUND_HALF_UP),
                amount=reversal_for(frozen, int(before or 0), units),
            )
            db.session.add(reversal)
            made.append(reversal)
        db.session.flush()
        part = db.session.get(SellerOrder, part_id)
        assert part is not None
        given_back = sum((r.amount for r in made if r.seller_order_id == part_id), Decimal("0.00"))
        units_back = sum(r.quantity for r in made if r.seller_order_id == part_id)
        notices.part_returned(
            part, return_id, units_back, refunded=True, reversed_=f"commission of {given_back} given back"
        )
        _returned_if_all_back(part)
    return made


def _returned_if_all_back(part: SellerOrder) -> None:
    """A delivered part every live unit of which came back and was refunded is `returned`."""
    live = db.session.scalar(
        select(func.coalesce(func.sum(OrderLine.quantity), 0)).where(
            OrderLine.order_id == part.order_id,
            OrderLine.seller_id == part.seller_id,
            OrderLine.cancelled_at.is_(None),
        )
    )
    back = db.session.scalar(
        select(func.coalesce(func.sum(CommissionReversal.quantity), 0)).where(
            CommissionReversal.seller_order_id == part.id
        )
    )
    if not live or int(back or 0) < int(live):
        return
    moved = changed_rows(
        update(SellerOrder)
        .where(SellerOrder.id == part.id, SellerOrder.status == SellerOrderStatus.DELIVERED.value)
        .values(status=SellerOrderStatus.RETURNED.value, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if moved == 1:
        db.session.add(
            SellerOrderEvent(
                seller_order_id=part.id,
                from_status=SellerOrderStatus.DELIVERED.value,
                to_status=SellerOrderStatus.RETURNED.value,
                actor_kind="system",
                note="Every item came back and was refunded.",
            )
        )
