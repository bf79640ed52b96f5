"""A seller's money: balances and statement (the ledger's view of the caller's store)."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context
from flask_jwt_extended import current_user

from app.auth.models import Role
from app.common.permissions import login_required
from app.common.schemas import DayRangeQuery, page_of
from app.sellers.routes.blueprint import blp
from app.sellers.schemas import SellerBalanceOut, StatementLineOut, StatementPageQuery
from app.sellers.services import balance


@blp.get("/seller/balance")
@login_required(Role.SUPPLIER)
@blp.response(200, SellerBalanceOut)
@blp.doc(operationId="getMySellerBalance")
def my_seller_balance() -> Any:
    """My balances: pending, available, in payout, and lifetime figures.

    A paid order's net (its price less the commission frozen at checkout) is *pending* until its
    part is delivered and RETURN_WINDOW_DAYS pass with no open return; then *available*, to be
    paid out. Refunds and returns give back from where the money is; a refund after a payout
    can take `available` below zero (`negative_carry`), and later earnings cover it first.
    """
    return balance.balance_of(current_user)


@blp.get("/seller/statement")
@login_required(Role.SUPPLIER)
@blp.arguments(StatementPageQuery(), location="query")
@blp.response(200, page_of(StatementLineOut))
@blp.doc(operationId="listMySellerStatement")
def my_seller_statement(query: dict[str, Any]) -> Any:
    """My statement: every posting to my balances, oldest first.

    Between the days `from` and `to` (UTC, both included; everything without them). Each line
    is one ledger entry (a sale, a cancellation, a return, a release, a payout) with its
    reference, what it did to each balance, `amount` (the change to all I am owed) and
    `balance` (all I am owed after it, counting what came before `from`).
    """
    return balance.statement_of(current_user, query)


@blp.get("/seller/statement.csv")
@login_required(Role.SUPPLIER)
@blp.arguments(DayRangeQuery(), location="query")
@blp.response(200, {"type": "string"}, content_type="text/csv", description="The statement as CSV")
@blp.doc(operationId="downloadMySellerStatement")
def my_seller_statement_csv(query: dict[str, Any]) -> Any:
    """My statement as a CSV file, for a spreadsheet or my accountant.

    The same lines as `/seller/statement` over the same days, all of them (no pages), streamed
    as they are read. Columns: date, kind, reference, memo, amount, pending, available,
    in_payout, balance.
    """
    rows = balance.statement_csv(current_user, query)
    first = next(rows)  # the header: and a caller without a store gets its 403 before streaming starts
    return Response(
        stream_with_context(_chain(first, rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="statement.csv"'},
    )


def _chain(first: str, rest: Any) -> Any:
    yield first
    yield from rest
