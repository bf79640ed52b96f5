"""Returns as sellers see them: told when a return touches their part, and the commission frozen
on returned units given back, pro rata by quantity, when the return is refunded."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select, update

from app.common.db import changed_rows
from app.common.types import utcnow
from app.extensions import db
from app.orders.models import OrderLine
from app.sellers import notices
from app.sellers.models import CommissionLine, CommissionReversal, SellerOrder, SellerOrderEvent
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
    """Every seller whose lines a new return holds is told (in the app and by email)."""
    for part_id, held in _parts_of(lines).items():
        part = db.session.get(SellerOrder, part_id)
        assert part is not None
        notices.part_returned(part, return_id, sum(units for _, units in held), refunded=False)


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
