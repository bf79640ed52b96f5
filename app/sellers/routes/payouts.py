"""A seller's payouts by M-Pesa B2C, and the number they go to."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_jwt_extended import current_user, get_jwt_identity

from app.auth.models import Role
from app.auth.ratelimit import documented
from app.common.permissions import login_required
from app.common.schemas import page_of
from app.extensions import limiter
from app.payouts.schemas import PayoutOut, PayoutQuery, PayoutRequestIn, PayoutsMadeOut
from app.payouts.services import reads
from app.sellers.routes.blueprint import blp
from app.sellers.schemas import PayoutNumberIn, PayoutNumberOut
from app.sellers.services import payouts

# Changing the payout number checks the password: a few tries an hour per user.
number_rate = documented(
    limiter.limit(lambda: "5/hour", key_func=lambda: f"user:{get_jwt_identity()}", scope="payout-number")
)


@blp.post("/seller/payouts")
@login_required(Role.SUPPLIER)
@blp.arguments(PayoutRequestIn())
@blp.response(201, PayoutsMadeOut, location=lambda made: url_for("sellers.my_payout", payout_id=made["payouts"][0].id))
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="requestMyPayout")
def request_my_payout(data: dict[str, Any]) -> Any:
    """Pay out my available balance to my payout number by M-Pesa.

    `amount` in whole shillings (422 with cents, or under PAYOUT_MIN_AMOUNT); all the whole
    shillings available when left out (the cents stay). More than KES 250,000 goes as several
    M-Pesa transactions, a payout each. Claimed from my balance at once (two requests never pay
    the same shillings twice); above PAYOUT_APPROVAL_THRESHOLD it waits for an admin. 409
    `insufficient_balance` (with `available`), `negative_balance` (refunds after a payout are
    covered first), `payouts_paused`.
    """
    return reads.made(payouts.request_payout(current_user, data.get("amount")))


@blp.get("/seller/payouts")
@login_required(Role.SUPPLIER)
@blp.arguments(PayoutQuery(), location="query")
@blp.response(200, page_of(PayoutOut))
@blp.doc(operationId="listMyPayouts")
def my_payouts(query: dict[str, Any]) -> Any:
    """My payouts, newest first.

    Filter by `status` (repeatable): pending_approval, queued, submitted, unknown (asked after
    with M-Pesa, never sent again), paid, failed (the money is back in my balance), rejected.
    """
    return payouts.list_my_payouts(current_user, query)


@blp.get("/seller/payouts/<int:payout_id>")
@login_required(Role.SUPPLIER)
@blp.response(200, PayoutOut)
@blp.doc(operationId="getMyPayout")
def my_payout(payout_id: int) -> Any:
    """One of my payouts with its history.

    Another seller's is 404 `payout_not_found`.
    """
    return payouts.get_my_payout(current_user, payout_id)


@blp.get("/seller/payout-number")
@login_required(Role.SUPPLIER)
@blp.response(200, PayoutNumberOut)
@blp.doc(operationId="getMyPayoutNumber")
def my_payout_number() -> Any:
    """The M-Pesa number my payouts go to.

    My contact phone until I set one; `held_until` while payouts to a new number wait.
    """
    return payouts.payout_number(current_user)


@blp.put("/seller/payout-number")
@login_required(Role.SUPPLIER)
@number_rate
@blp.arguments(PayoutNumberIn())
@blp.response(200, PayoutNumberOut)
@blp.doc(operationId="setMyPayoutNumber")
def set_my_payout_number(data: dict[str, Any]) -> Any:
    """Send my payouts to another M-Pesa number.

    Needs my password (422 `wrong_password`); I am told by email. Payouts to the new number wait
    PAYOUT_NUMBER_HOLD_HOURS (`held_until`): an account taken over cannot redirect my earnings
    at once.
    """
    return payouts.change_payout_number(current_user, data["phone"], data["password"])
