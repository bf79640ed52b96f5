"""`/api/v1/admin`: the back office. Every route here is for admins only."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context
from flask_jwt_extended import current_user

from app.admin import finance
from app.admin.schemas import AdminUserOut, FinanceSummaryOut, RoleChangeIn, UserListQuery
from app.auth.models import Role
from app.common.blueprint import Blueprint
from app.common.pagination import paginate
from app.common.permissions import login_required
from app.common.schemas import DayRangeQuery, page_of
from app.users import services as users

blp = Blueprint("admin", __name__, url_prefix="/api/v1/admin", description="Back office (admins only)")


@blp.get("/users")
@login_required(Role.ADMIN)
@blp.arguments(UserListQuery(), location="query")
@blp.response(200, page_of(AdminUserOut))
@blp.doc(operationId="listUsers")
def list_users(query: dict[str, Any]) -> Any:
    """List users, filtered by role and email (admin).

    `email` matches any part of the address, case-insensitively.
    """
    return paginate(users.users_query(query.get("role"), query.get("email")), query["page"], query["per_page"])


@blp.patch("/users/<int:user_id>")
@login_required(Role.ADMIN)
@blp.arguments(RoleChangeIn())
@blp.response(200, AdminUserOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="changeUserRole")
def change_role(data: dict[str, Any], user_id: int) -> Any:
    """Change a user's role (admin).

    Effective at once, on the user's next request. The last admin cannot be demoted (409
    `last_admin`).
    """
    return users.set_role(current_user, user_id, data["role"])


@blp.get("/finance/summary")
@login_required(Role.ADMIN)
@blp.arguments(DayRangeQuery(), location="query")
@blp.response(200, FinanceSummaryOut)
@blp.doc(operationId="getFinanceSummary")
def finance_summary(query: dict[str, Any]) -> Any:
    """The finance report over the days `from`..`to`, from the ledger only (admin).

    Flows of the period: gross sales, what cancellations and returns gave back, net sales,
    refunds sent, goodwill, commission, delivery fees, the shop's own sales, payouts paid and
    failed. Balances at the end of `to`: owed to sellers (pending, available, in payout),
    payouts not yet settled, wallets, customers' money held, cash by provider, and the trial
    balance (every account as a debit or a credit: the columns are equal).
    """
    return finance.summary(query)


@blp.get("/finance/entries.csv")
@login_required(Role.ADMIN)
@blp.arguments(DayRangeQuery(), location="query")
@blp.response(200, {"type": "string"}, content_type="text/csv", description="Every posting of the period")
@blp.doc(operationId="downloadLedgerEntries")
def finance_entries_csv(query: dict[str, Any]) -> Any:
    """Every ledger posting of the days `from`..`to` as CSV (admin), streamed.

    Columns: entry_id, created_at, key, kind, reference, order_id, seller_id, memo, account,
    amount (debits positive). Read from a server-side cursor: a year of entries never sits in
    memory.
    """
    return Response(
        stream_with_context(finance.entries_csv(query)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="ledger-entries.csv"'},
    )
