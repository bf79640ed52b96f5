"""`/api/v1/wallet`: a customer's store credit (balance, transactions, M-Pesa top-ups), Safaricom's
callback for top-ups, and admins' adjustments."""

from __future__ import annotations

from typing import Any

from flask import request, url_for
from flask_jwt_extended import current_user, get_jwt_identity

from app.auth.models import Role
from app.auth.ratelimit import documented
from app.common.blueprint import Blueprint
from app.common.idempotency import idempotent
from app.common.permissions import login_required
from app.common.schemas import page_of
from app.errors import ValidationFailed
from app.extensions import limiter
from app.payments.routes import initiation_rate, query_rate
from app.payments.schemas import CallbackAckOut
from app.payouts.schemas import PayoutOut, PayoutQuery, PayoutsMadeOut
from app.payouts.services import reads
from app.wallet.schemas import (
    AdjustmentIn,
    TopUpIn,
    TopUpOut,
    WalletOut,
    WalletTransactionOut,
    WalletTransactionQuery,
    WithdrawalIn,
)
from app.wallet.services import accounts, topups, withdrawals

blp = Blueprint("wallet", __name__, url_prefix="/api/v1", description="The customer wallet (store credit)")


@blp.get("/wallet")
@login_required(Role.CUSTOMER)
@blp.response(200, WalletOut)
@blp.doc(operationId="getMyWallet")
def my_wallet() -> Any:
    """My wallet: what I may spend or withdraw, and what is held or being withdrawn.

    Store credit the shop owes me, in the ledger (`wallet:{my id}`).
    """
    return accounts.balance_of(current_user)


@blp.get("/wallet/transactions")
@login_required(Role.CUSTOMER)
@blp.arguments(WalletTransactionQuery(), location="query")
@blp.response(200, page_of(WalletTransactionOut))
@blp.doc(operationId="listMyWalletTransactions")
def my_wallet_transactions(query: dict[str, Any]) -> Any:
    """My wallet's transactions, oldest first, each with its cause and the balance after it.

    Between the days `from` and `to` (UTC, both included); the balance counts what came before.
    """
    return accounts.transactions_of(current_user, query)


@blp.post("/wallet/top-ups")
@login_required(Role.CUSTOMER)
@initiation_rate
@idempotent("walletTopUp", required=False)
@blp.arguments(TopUpIn())
@blp.response(202, TopUpOut)
@blp.alt_response(502, response="DEFAULT_ERROR")
@blp.doc(operationId="startWalletTopUp")
def start_top_up(data: dict[str, Any]) -> Any:
    """Top my wallet up by M-Pesa: a prompt on my phone.

    `amount` in whole shillings (10 to 250,000; 422 otherwise), to `phone` (my profile's when
    left out). 202 with the top-up, `pending`: the wallet is credited when Safaricom's callback
    (or the query, `POST /wallet/top-ups/{id}/refresh`) says it was paid.
    """
    return topups.start_top_up(current_user, data["amount"], data.get("phone"))


@blp.get("/wallet/top-ups/<int:top_up_id>")
@login_required(Role.CUSTOMER)
@blp.response(200, TopUpOut)
@blp.doc(operationId="getMyTopUp")
def my_top_up(top_up_id: int) -> Any:
    """One of my top-ups.

    Its status, and the M-Pesa receipt once paid; another's is 404 `top_up_not_found`.
    """
    return topups.get_top_up(current_user, top_up_id)


@blp.post("/wallet/top-ups/<int:top_up_id>/refresh")
@login_required(Role.CUSTOMER)
@query_rate
@blp.response(200, TopUpOut)
@blp.alt_response(502, response="DEFAULT_ERROR")
@blp.doc(operationId="refreshMyTopUp")
def refresh_my_top_up(top_up_id: int) -> Any:
    """Ask M-Pesa where my pending top-up stands (a lost callback) and settle it.

    A settled one is returned as it is.
    """
    return topups.refresh(current_user, top_up_id)


@blp.post("/wallet/mpesa/callback/<secret>")
@blp.response(200, CallbackAckOut)
@blp.doc(operationId="walletTopUpCallback")
def top_up_callback(secret: str) -> Any:
    """Receive Safaricom's STK result of a top-up (called by Safaricom, not by apps).

    The path carries MPESA_CALLBACK_SECRET (a wrong one is 404). Logged before it is acted on;
    a repeated callback changes nothing; a body that is no STK callback is 422.
    """
    topups.handle_callback(secret, request.get_data(cache=True))
    return {"ResultCode": 0, "ResultDesc": "Accepted"}


# Withdrawals check the password: a few tries an hour per user.
withdrawal_rate = documented(
    limiter.limit(lambda: "5/hour", key_func=lambda: f"user:{get_jwt_identity()}", scope="wallet-withdrawal")
)


@blp.post("/wallet/withdrawals")
@login_required(Role.CUSTOMER)
@withdrawal_rate
@idempotent("walletWithdrawal", required=False)
@blp.arguments(WithdrawalIn())
@blp.response(
    201, PayoutsMadeOut, location=lambda made: url_for("wallet.my_withdrawal", payout_id=made["payouts"][0].id)
)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="withdrawFromMyWallet")
def withdraw(data: dict[str, Any]) -> Any:
    """Withdraw from my wallet to M-Pesa.

    Needs my password (422 `wrong_password`; 5 tries an hour) and I am emailed. A payout by
    M-Pesa B2C, as sellers' are: whole shillings (`amount`, all of them when left out), at least
    PAYOUT_MIN_AMOUNT, a payout per KES 250,000, an admin's approval above the threshold; 409
    `insufficient_balance` (with `available`), `payouts_paused`.
    """
    return reads.made(withdrawals.withdraw(current_user, data.get("amount"), data.get("phone"), data["password"]))


@blp.get("/wallet/withdrawals")
@login_required(Role.CUSTOMER)
@blp.arguments(PayoutQuery(), location="query")
@blp.response(200, page_of(PayoutOut))
@blp.doc(operationId="listMyWithdrawals")
def my_withdrawals(query: dict[str, Any]) -> Any:
    """My withdrawals, newest first.

    Each a payout with its status: paid, failed (the money is back in my wallet), unknown
    (asked after with M-Pesa, never sent twice)...
    """
    return withdrawals.list_withdrawals(current_user, query)


@blp.get("/wallet/withdrawals/<int:payout_id>")
@login_required(Role.CUSTOMER)
@blp.response(200, PayoutOut)
@blp.doc(operationId="getMyWithdrawal")
def my_withdrawal(payout_id: int) -> Any:
    """One of my withdrawals with its history.

    Another's is 404 `payout_not_found`.
    """
    return withdrawals.get_withdrawal(current_user, payout_id)


@blp.post("/wallets/<int:user_id>/adjustments")
@login_required(Role.ADMIN)
@blp.arguments(AdjustmentIn())
@blp.response(200, WalletOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="adjustWallet")
def adjust_wallet(data: dict[str, Any], user_id: int) -> Any:
    """Credit a customer's wallet (goodwill) or take from it (a correction), with a reason (admin).

    A ledger entry like any other, against the shop's wallet adjustments; the customer is told.
    A wallet never goes below zero (409 `insufficient_wallet`). Answers with the wallet.
    """
    if data["amount"] == 0:
        raise ValidationFailed.field("amount", "Must not be zero.")
    return accounts.adjust(current_user, user_id, data["amount"], data["reason"])
