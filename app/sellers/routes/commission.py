"""Commission: the admins' rates, and the rate in effect on a product."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask.views import MethodView
from flask_jwt_extended import current_user

from app.auth.models import Role
from app.common.permissions import login_required
from app.common.schemas import page_of
from app.sellers.routes.blueprint import blp
from app.sellers.schemas import (
    CommissionRateIn,
    CommissionRateOut,
    CommissionRatePatch,
    CommissionRateQuery,
    SellerProductOut,
)
from app.sellers.services import commission

# Commission rates (admin) -------------------------------------------------------------------------


@blp.route("/commission-rates")
class CommissionRates(MethodView):
    @login_required(Role.ADMIN)
    @blp.arguments(CommissionRateQuery(), location="query")
    @blp.response(200, page_of(CommissionRateOut))
    @blp.doc(operationId="listCommissionRates")
    def get(self, query: dict[str, Any]) -> Any:
        """List commission rates (admin).

        By scope, then target; filter by `scope`.
        """
        return commission.list_rates(query)

    @login_required(Role.ADMIN)
    @blp.arguments(CommissionRateIn())
    @blp.response(201, CommissionRateOut, location=lambda made: url_for("sellers.CommissionRateById", rate_id=made.id))
    @blp.alt_response(409, response="CONFLICT")
    @blp.doc(operationId="createCommissionRate")
    def post(self, data: dict[str, Any]) -> Any:
        """Set the commission rate of a product, a category, a seller, or the default (admin).

        A percentage (`rate_bps`) or a fixed `amount` per unit, with an optional `min_amount` and
        `max_amount` per order line. The most specific rate of a line wins: its product's, then its
        nearest category's, then its seller's, then the default. One rate per target (409
        `commission_rate_exists`). Orders keep the commission frozen at their checkout.
        """
        return commission.create_rate(data)


@blp.route("/commission-rates/<int:rate_id>")
class CommissionRateById(MethodView):
    @login_required(Role.ADMIN)
    @blp.response(200, CommissionRateOut)
    @blp.doc(operationId="getCommissionRate")
    def get(self, rate_id: int) -> Any:
        """Read a commission rate (admin).

        An unknown one is 404 `commission_rate_not_found`.
        """
        return commission.get_rate(rate_id)

    @login_required(Role.ADMIN)
    @blp.arguments(CommissionRatePatch())
    @blp.response(200, CommissionRateOut)
    @blp.doc(operationId="updateCommissionRate")
    def patch(self, data: dict[str, Any], rate_id: int) -> Any:
        """Change a commission rate (admin).

        Orders placed already keep the commission frozen at their checkout.
        """
        return commission.update_rate(rate_id, data)

    @login_required(Role.ADMIN)
    @blp.response(204)
    @blp.doc(operationId="deleteCommissionRate")
    def delete(self, rate_id: int) -> None:
        """Delete a commission rate (admin).

        New orders then take the next most specific rate; placed ones keep theirs.
        """
        commission.delete_rate(rate_id)


@blp.get("/products/<int:product_id>/commission")
@login_required(Role.SUPPLIER, Role.ADMIN)
@blp.response(200, SellerProductOut)
@blp.doc(operationId="getProductCommission")
def product_commission(product_id: int) -> Any:
    """A product with the commission in effect on it (its seller, or an admin).

    The most specific rate (product, category, seller, default) and what it keeps of one unit at
    today's price. Another seller's product is 404 `product_not_found`.
    """
    return commission.product_commission(current_user, product_id)
