"""Returns as sellers see them, their statistics, and the seller dashboard."""

from __future__ import annotations

from typing import Any

from flask_jwt_extended import current_user

from app.auth.models import Role
from app.common.permissions import login_required
from app.common.schemas import page_of
from app.returns.schemas import PeriodQuery, ReturnStatsOut
from app.sellers.routes.blueprint import blp
from app.sellers.schemas import (
    DashboardOut,
    ReturnAnswerIn,
    SellerAnswerOut,
    SellerReturnOut,
    SellerReturnQuery,
)
from app.sellers.services import dashboard
from app.sellers.services import returns as seller_returns

# Returns of my products ----------------------------------------------------------------------------


@blp.get("/seller/returns")
@login_required(Role.SUPPLIER)
@blp.arguments(SellerReturnQuery(), location="query")
@blp.response(200, page_of(SellerReturnOut))
@blp.doc(operationId="listMySellerReturns")
def my_seller_returns(query: dict[str, Any]) -> Any:
    """Returns that hold my lines, newest first.

    Filter by the return's `status` (repeatable) and `answered`. Each shows only my lines and my
    answer; of the customer, only the reason they gave.
    """
    return seller_returns.list_my_returns(current_user, query)


@blp.get("/seller/dashboard")
@login_required(Role.SUPPLIER)
@blp.arguments(PeriodQuery(), location="query")
@blp.response(200, DashboardOut)
@blp.doc(operationId="getMySellerDashboard")
def my_seller_dashboard(query: dict[str, Any]) -> Any:
    """My store at a glance over the last `period` (7d, 30d, 90d; 30d by default).

    Sales (orders, units, gross, commission, net) against the period before, open seller orders
    by status, returns and the return rate, my products' rating, low stock and my best sellers.
    """
    return dashboard.dashboard(current_user, query["period"])


@blp.get("/seller/returns/stats")
@login_required(Role.SUPPLIER)
@blp.arguments(PeriodQuery(), location="query")
@blp.response(200, ReturnStatsOut)
@blp.doc(operationId="getMySellerReturnStats")
def my_seller_return_stats(query: dict[str, Any]) -> Any:
    """Statistics of the returns of my products over a period.

    As the admins' `GET /returns/stats`, counting only my lines: returns by status and reason,
    and my return rate (my units returned over my units sold).
    """
    return seller_returns.my_return_stats(current_user, query["period"])


@blp.get("/seller/returns/<int:return_id>")
@login_required(Role.SUPPLIER)
@blp.response(200, SellerReturnOut)
@blp.doc(operationId="getMySellerReturn")
def my_seller_return(return_id: int) -> Any:
    """One return that holds my lines.

    Any other is 404 `seller_return_not_found`.
    """
    return seller_returns.get_my_return(current_user, return_id)


@blp.post("/seller/returns/<int:return_id>/acknowledge")
@login_required(Role.SUPPLIER)
@blp.response(200, SellerReturnOut)
@blp.doc(operationId="acknowledgeMySellerReturn")
def acknowledge_my_seller_return(return_id: int) -> Any:
    """Say I have seen a return of my lines.

    Once; again changes nothing.
    """
    return seller_returns.acknowledge(current_user, return_id)


@blp.post("/seller/returns/<int:return_id>/respond")
@login_required(Role.SUPPLIER)
@blp.arguments(ReturnAnswerIn())
@blp.response(200, SellerReturnOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="respondToMySellerReturn")
def respond_to_my_seller_return(data: dict[str, Any], return_id: int) -> Any:
    """Accept or dispute a return of my lines (a dispute says why).

    Once (409 `already_responded`), by `respond_by` (409 `response_window_closed` after: the
    admins decide without my answer). The admins are told and see it when they decide.
    """
    return seller_returns.respond(current_user, return_id, data["response"], data.get("reason"))


@blp.get("/returns/<int:return_id>/seller-responses")
@login_required(Role.ADMIN)
@blp.response(200, SellerAnswerOut(many=True))
@blp.doc(operationId="listSellerResponsesToReturn")
def seller_responses_to_return(return_id: int) -> Any:
    """The sellers' answers to a return (admin), for the decision.

    One per seller whose lines it holds: when each must answer by, whether it has seen it, and
    its answer (`accept`, or `dispute` with a reason) or none yet. Silence does not block a
    decision.
    """
    return seller_returns.responses_to(return_id)
