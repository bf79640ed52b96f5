"""`/api/v1/payouts`: Safaricom's B2C results, and the admins' payouts (sellers ask for theirs
under `/seller/payouts`)."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_jwt_extended import current_user

from app.auth.models import Role
from app.common.blueprint import Blueprint
from app.common.permissions import login_required
from app.common.schemas import page_of
from app.payments.schemas import CallbackAckOut
from app.payouts.schemas import (
    AdminPayoutQuery,
    PayoutControlIn,
    PayoutControlOut,
    PayoutOut,
    PayoutsMadeOut,
    RejectPayoutIn,
)
from app.payouts.services import book, claims, disbursement, reads

blp = Blueprint("payouts", __name__, url_prefix="/api/v1", description="Payouts by M-Pesa B2C")


@blp.post("/payouts/mpesa/<kind>/result/<secret>")
@blp.response(200, CallbackAckOut)
@blp.doc(operationId="payoutResult")
def b2c_result(kind: str, secret: str) -> Any:
    """Receive Safaricom's result of a payout (`kind` payment) or of its status query (`kind`
    status) (called by Safaricom, not by apps).

    The path carries the shared secret (MPESA_CALLBACK_SECRET; a wrong one is 404). Every body
    is logged before it is acted on; a repeated one changes nothing; a body that is no result is
    422. Parameters are read by their Key.
    """
    disbursement.handle_callback(kind, "result", secret, request.get_data(cache=True))
    return {"ResultCode": 0, "ResultDesc": "Accepted"}


@blp.post("/payouts/mpesa/<kind>/timeout/<secret>")
@blp.response(200, CallbackAckOut)
@blp.doc(operationId="payoutTimeout")
def b2c_timeout(kind: str, secret: str) -> Any:
    """Receive Safaricom's queue timeout of a payout or of its status query (called by Safaricom).

    A timed-out payout may still have been paid: it becomes `unknown` and is settled by the
    Transaction Status query, never sent again.
    """
    disbursement.handle_callback(kind, "timeout", secret, request.get_data(cache=True))
    return {"ResultCode": 0, "ResultDesc": "Accepted"}


@blp.get("/payouts")
@login_required(Role.ADMIN)
@blp.arguments(AdminPayoutQuery(), location="query")
@blp.response(200, page_of(PayoutOut))
@blp.doc(operationId="listPayouts")
def list_payouts(query: dict[str, Any]) -> Any:
    """List payouts, newest first (admin).

    Filter by `status` (repeatable), `payee`, `seller_id` and `needs_review` (paid after it was
    recorded failed, or another amount than asked).
    """
    return reads.list_payouts(query)


@blp.get("/payouts/<int:payout_id>")
@login_required(Role.ADMIN)
@blp.response(200, PayoutOut)
@blp.doc(operationId="getPayout")
def get_payout(payout_id: int) -> Any:
    """One payout with its history (admin).

    Its status, amount, number, M-Pesa receipt and recipient's name once paid, why it failed,
    and every move with who made it.
    """
    return reads.get_payout(payout_id)


@blp.post("/payouts/<int:payout_id>/approve")
@login_required(Role.ADMIN)
@blp.response(200, PayoutOut)
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="approvePayout")
def approve_payout(payout_id: int) -> Any:
    """Approve a payout above PAYOUT_APPROVAL_THRESHOLD (admin): it is sent at once.

    Four eyes: the admin who asked for it cannot approve it (403 `same_approver`). Not waiting
    for approval: 409 `payout_not_decidable`.
    """
    return claims.decide(current_user, payout_id, approve=True)


@blp.post("/payouts/<int:payout_id>/reject")
@login_required(Role.ADMIN)
@blp.arguments(RejectPayoutIn())
@blp.response(200, PayoutOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="rejectPayout")
def reject_payout(data: dict[str, Any], payout_id: int) -> Any:
    """Reject a payout waiting for approval (admin): its money goes back to the balance.

    The payee is told why.
    """
    return claims.decide(current_user, payout_id, approve=False, reason=data["reason"])


@blp.post("/payouts/<int:payout_id>/retry")
@login_required(Role.ADMIN)
@blp.response(201, PayoutsMadeOut, location=lambda made: url_for("payouts.get_payout", payout_id=made["payouts"][0].id))
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="retryPayout")
def retry_payout(payout_id: int) -> Any:
    """Retry a failed payout (admin): a new payout of its amount from the payee's balance.

    To the payee's payout number as it is now; above the threshold it waits for another admin's
    approval. Never a re-send: only `failed` can be retried (409 `payout_not_retryable`); an
    `unknown` one is settled by the status query.
    """
    return reads.made(claims.retry(current_user, payout_id))


@blp.get("/payouts/control")
@login_required(Role.ADMIN)
@blp.response(200, PayoutControlOut)
@blp.doc(operationId="getPayoutControl")
def get_payout_control() -> Any:
    """Whether payouts are paused, and why (admin).

    M-Pesa answering that our set-up is wrong (the initiator, its credential, the float) pauses
    them; an admin resumes them.
    """
    return book.control()


@blp.put("/payouts/control")
@login_required(Role.ADMIN)
@blp.arguments(PayoutControlIn())
@blp.response(200, PayoutControlOut)
@blp.doc(operationId="setPayoutControl")
def set_payout_control(data: dict[str, Any]) -> Any:
    """Pause every payout, or resume them (admin).

    Paused, nothing is sent and requests are 409 `payouts_paused` (M-Pesa answering that our
    set-up is wrong pauses them, and tells the admins). Resumed, the queued ones are sent.
    Pausing needs a `reason` (422).
    """
    return claims.set_paused(current_user, data["paused"], data.get("reason"))
