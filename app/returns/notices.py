"""What customers and admins are told of returns (in-app notifications)."""

from __future__ import annotations

from app.notifications.inbox import Kind, notify, notify_admins
from app.orders.notices import email_about
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
    """Tell the customer of every decision on their return, in the app and by email."""
    told = ON_STATUS.get(to)
    if told is None:
        return
    kind, title, body = told
    message = body.format(id=request.id, why=note or "")
    notify(request.user_id, kind, title, message, ("return", request.id))
    lines = [{"name": line.name, "quantity": line.quantity} for line in request.lines]
    email_about(
        request.order_id, f"{title} (return {request.id})", "return_update", message=message, return_lines=lines
    )
