"""`/api/v1/returns`: return requests, their decisions, and refunds."""

from __future__ import annotations

from typing import Any

from flask import send_file, url_for
from flask_jwt_extended import current_user

from app.auth.models import Role
from app.common.blueprint import Blueprint
from app.common.permissions import login_required
from app.common.schemas import SignedLinkQuery, page_of
from app.common.storage import link_lifetime
from app.returns import services
from app.returns.schemas import (
    ApproveIn,
    PeriodQuery,
    ReceiveIn,
    RejectIn,
    ReturnImageIn,
    ReturnImageOut,
    ReturnIn,
    ReturnOut,
    ReturnQuery,
    ReturnRefundIn,
    ReturnStatsOut,
    photo_link,
)

blp = Blueprint("returns", __name__, url_prefix="/api/v1/returns", description="Returns and their refunds")


@blp.post("")
@login_required(Role.CUSTOMER)
@blp.arguments(ReturnIn())
@blp.response(201, ReturnOut, location=lambda made: url_for("returns.get_return", return_id=made.id))
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="createReturn")
def create_return(data: dict[str, Any]) -> Any:
    """Ask to return lines of a delivered order.

    Within RETURN_WINDOW_DAYS of delivery (409 `return_window_closed` after); each line at most
    what was bought less what other open or completed returns hold (422). Reasons: damaged,
    wrong_item, not_as_described, changed_mind, other.
    """
    return services.create_return(current_user, data)


@blp.get("/stats")
@login_required(Role.ADMIN)
@blp.arguments(PeriodQuery(), location="query")
@blp.response(200, ReturnStatsOut)
@blp.doc(operationId="getReturnStats")
def return_stats(query: dict[str, Any]) -> Any:
    """Return statistics over a period (admin).

    Counts by status and reason of the returns asked for in the last `period` (7d, 30d, 90d;
    30d by default), and the return rate: units returned over units sold in that period.
    """
    return services.return_stats(query["period"])


@blp.get("")
@login_required(Role.CUSTOMER, Role.ADMIN)
@blp.arguments(ReturnQuery(), location="query")
@blp.response(200, page_of(ReturnOut))
@blp.doc(operationId="listReturns")
def list_returns(query: dict[str, Any]) -> Any:
    """List returns, newest first.

    A customer's own; admins see all, filtered by `status` (repeatable), `order_id`,
    `customer_id` and `created_from`/`created_to`.
    """
    return services.list_returns(current_user, query)


@blp.get("/<int:return_id>")
@login_required(Role.CUSTOMER, Role.ADMIN)
@blp.response(200, ReturnOut)
@blp.doc(operationId="getReturn")
def get_return(return_id: int) -> Any:
    """Read a return with its history.

    Its customer's or any for an admin; someone else's is 404 `return_not_found`.
    """
    return services.get_return(current_user, return_id)


@blp.post("/<int:return_id>/cancel")
@login_required(Role.CUSTOMER)
@blp.response(200, ReturnOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="cancelReturn")
def cancel_return(return_id: int) -> Any:
    """Withdraw my return while it is still requested.

    Once decided, 409 `invalid_transition`.
    """
    return services.cancel_return(current_user, return_id)


@blp.post("/<int:return_id>/images")
@login_required(Role.CUSTOMER)
@blp.arguments(ReturnImageIn(), location="multipart")
@blp.response(201, ReturnImageOut, location=photo_link)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="addReturnImage")
def add_return_image(data: dict[str, Any], return_id: int) -> Any:
    """Add an evidence photo to my return.

    JPEG, PNG or WebP, at most 5 MB; checked by content and re-encoded, as every upload. While
    the return is requested or approved; at most 5 photos (409 `too_many_images`).
    """
    return services.add_image(current_user, return_id, data["file"])


@blp.get("/<int:return_id>/images/<int:image_id>")
@blp.arguments(SignedLinkQuery(), location="query")
@blp.response(
    200,
    {"type": "string", "format": "binary"},
    content_type="image/webp",
    description="The photo",
    headers={
        "Cache-Control": {
            "description": "`private, max-age=` the seconds the link has left",
            "schema": {"type": "string"},
        }
    },
)
@blp.alt_response(403, response="FORBIDDEN")
@blp.doc(operationId="getReturnImage")
def get_return_image(query: dict[str, Any], return_id: int, image_id: int) -> Any:
    """Open a return photo by its signed link.

    The `url` of a photo in a return's response, handed out to its customer and admins only:
    the link is the permission (no token, so an `<img>` can load it). A link that was not signed
    for this photo is 404 `return_image_not_found`; an expired one is 403 `media_link_expired`.
    """
    path = services.image_file(return_id, image_id, query["expires"], query["signature"])
    response = send_file(path, mimetype="image/webp", conditional=True)
    response.headers["Cache-Control"] = f"private, max-age={link_lifetime(query['expires'])}"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@blp.post("/<int:return_id>/approve")
@login_required(Role.ADMIN)
@blp.arguments(ApproveIn())
@blp.response(200, ReturnOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="approveReturn")
def approve_return(data: dict[str, Any], return_id: int) -> Any:
    """Accept a requested return (admin).

    The customer then sends the items back.
    """
    return services.approve_return(current_user, return_id, data.get("note"))


@blp.post("/<int:return_id>/reject")
@login_required(Role.ADMIN)
@blp.arguments(RejectIn())
@blp.response(200, ReturnOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="rejectReturn")
def reject_return(data: dict[str, Any], return_id: int) -> Any:
    """Refuse a requested return, saying why (admin).

    Its lines can then be asked for again.
    """
    return services.reject_return(current_user, return_id, data["reason"])


@blp.post("/<int:return_id>/receive")
@login_required(Role.ADMIN)
@blp.arguments(ReceiveIn())
@blp.response(200, ReturnOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="receiveReturn")
def receive_return(data: dict[str, Any], return_id: int) -> Any:
    """Record an approved return as arrived (admin).

    With `restock: true` its units go back to stock, exactly once.
    """
    return services.receive_return(current_user, return_id, data["restock"])


@blp.post("/<int:return_id>/refund")
@login_required(Role.ADMIN)
@blp.arguments(ReturnRefundIn())
@blp.response(200, ReturnOut)
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(502, response="DEFAULT_ERROR")
@blp.doc(operationId="refundReturn")
def refund_return(data: dict[str, Any], return_id: int) -> Any:
    """Refund a received return on the order's payment (admin).

    At most its lines at the prices paid, plus the delivery fee when the whole order came back
    (409 `refund_exceeds_payment` above). Paystack and PayPal refunds go to the provider; M-Pesa
    and cash are refunded by hand and recorded with `reference`. Into the customer's wallet
    instead (no provider, no reference) when the customer chose it on the request, or the admin
    says `refund_to: wallet` (WALLET_REFUNDS). When every line is back and refunded, the order
    becomes `returned`.
    """
    return services.refund_return(
        current_user, return_id, data.get("amount"), data.get("reference"), data.get("refund_to")
    )
