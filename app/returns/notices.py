"""What customers and admins are told of returns (in-app notifications)."""

from __future__ import annotations

from app.notifications.inbox import Kind, notify, notify_admins
from app.returns.models import ReturnRequest
from app.returns.status import ReturnStatus

ON_STATUS: dict[ReturnStatus, tuple[Kind, str, str]] = {
    ReturnStatus.APPROVED: (Kind.RETURN_APPROVED, "Return approved", "Return {id} was approved: send the items back."),
    ReturnStatus.REJECTED: (Kind.RETURN_REJECTED, "Return declined", "Return {id} was declined: {why}"),
    ReturnStatus.RECEIVED: (Kind.RETURN_RECEIVED, "Return received", "We received the items of return {id}."),
    ReturnStatus.REFUNDED: (Kind.RETURN_REFUNDED, "Return refunded", "Return {id} is refunded: {why}."),
}


def return_requested(request: ReturnRequest) -> None:
    units = sum(line.quantity for line in request.lines)
    notify_admins(
        Kind.NEW_RETURN,
        "New return",
        f"Return {request.id}: {units} unit(s), {request.reason}.",
        ("return", request.id),
    )


def return_moved(request: ReturnRequest, to: ReturnStatus, note: str | None) -> None:
    told = ON_STATUS.get(to)
    if told is not None:
        kind, title, body = told
        notify(request.user_id, kind, title, body.format(id=request.id, why=note or ""), ("return", request.id))
