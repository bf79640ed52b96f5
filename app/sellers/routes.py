"""`/api/v1`: sellers' store pages, applying to sell, seller accounts and the admins' decisions."""

from __future__ import annotations

from typing import Any

from flask import request, send_file, url_for
from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt_identity

from app.auth.models import Role
from app.auth.ratelimit import documented
from app.catalog.services.products import store_products
from app.catalog.services.sellers import set_store_logo, store_page, update_store
from app.common.blueprint import Blueprint
from app.common.http import conditional
from app.common.permissions import login_required
from app.common.reads import read_only
from app.common.schemas import SignedLinkQuery, page_of
from app.extensions import limiter
from app.returns.schemas import PeriodQuery, ReturnStatsOut
from app.sellers.schemas import (
    AdminSellerOrderQuery,
    CancelPartIn,
    CommissionRateIn,
    CommissionRateOut,
    CommissionRatePatch,
    CommissionRateQuery,
    DashboardOut,
    DecisionIn,
    ReturnAnswerIn,
    SellerAccountOut,
    SellerAccountQuery,
    SellerAnswerOut,
    SellerApplicationIn,
    SellerDocumentIn,
    SellerDocumentOut,
    SellerOrderOut,
    SellerOrderQuery,
    SellerProductOut,
    SellerReturnOut,
    SellerReturnQuery,
    ShipIn,
    StoreLogoIn,
    StorePageOut,
    StorePatch,
    StoreProductQuery,
    TermsAcceptanceOut,
    TermsAcceptIn,
    TermsIn,
    TermsOut,
    document_link,
)
from app.sellers.services import accounts, commission, dashboard, terms
from app.sellers.services import orders as seller_orders
from app.sellers.services import returns as seller_returns
from app.sellers.status import SellerOrderStatus, SellerStatus

blp = Blueprint("sellers", __name__, url_prefix="/api/v1", description="The marketplace's sellers")


def _account_url(account: Any) -> str:
    return url_for("sellers.SellerAccountById", account_id=account.id)


# Applications cost an admin's time: a few a day per user (those made; a refused one is free).
application_rate = documented(
    limiter.limit(
        lambda: "3/day",
        key_func=lambda: f"user:{get_jwt_identity()}",
        scope="seller-application",
        deduct_when=lambda response: response.status_code == 201,
    )
)


@blp.get("/sellers/<slug>")
@conditional
@blp.response(200, StorePageOut)
@blp.doc(operationId="getSeller")
@read_only
def get_seller(slug: str) -> Any:
    """A seller's store page.

    Name, about, logo, member since, products on sale and the rating over their reviews; the
    products themselves are `GET /products?seller={slug}`. An unknown slug is 404
    `seller_not_found`.
    """
    return store_page(slug)


@blp.post("/seller-applications")
@login_required(Role.CUSTOMER)
@application_rate
@blp.arguments(SellerApplicationIn())
@blp.response(201, SellerAccountOut, location=_account_url)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="applyToSell")
def apply_to_sell(data: dict[str, Any]) -> Any:
    """Apply to sell: a seller account, `pending` until an admin decides.

    A business gives its KRA PIN and registration number. Add verification documents with
    `addSellerDocument` while it is pending. One open account per user (409
    `application_exists`); the store name must be free (409 `store_name_taken`); 3 a day.
    """
    return accounts.apply(current_user, data)


@blp.get("/seller/account")
@login_required()
@blp.response(200, SellerAccountOut)
@blp.doc(operationId="getMySellerAccount")
def my_seller_account() -> Any:
    """My seller account: its status (and why, when rejected or suspended), details, history.

    `terms` says whether I accepted the seller terms in effect (until I do, no product can be
    listed or changed: 403 `terms_not_accepted`). 404 `seller_account_not_found` when I never
    applied.
    """
    return terms.with_terms_status(accounts.my_account(current_user))


@blp.patch("/seller/store")
@login_required(Role.SUPPLIER)
@blp.arguments(StorePatch())
@blp.response(200, StorePageOut)
@blp.doc(operationId="updateMyStore")
def update_my_store(data: dict[str, Any]) -> Any:
    """Change what my store's page says (`about`).

    Answers with the page as the public sees it. The name stays: it is what buyers know.
    """
    return update_store(current_user, data)


@blp.put("/seller/store/logo")
@login_required(Role.SUPPLIER)
@blp.arguments(StoreLogoIn(), location="multipart")
@blp.response(200, StorePageOut)
@blp.doc(operationId="putMyStoreLogo")
def put_my_store_logo(data: dict[str, Any]) -> Any:
    """Upload my store's logo.

    JPEG, PNG or WebP, at most 5 MB; checked by content and re-encoded. Replaces any earlier logo.
    """
    return set_store_logo(current_user, data["file"])


@blp.get("/seller/products")
@login_required(Role.SUPPLIER)
@blp.arguments(StoreProductQuery(), location="query")
@blp.response(200, page_of(SellerProductOut))
@blp.doc(operationId="listMyProducts")
def my_products(query: dict[str, Any]) -> Any:
    """My store's products, newest first: inactive, withheld and out-of-stock ones included.

    Filters: `active`, `in_stock`, `q` (name contains). The shop's listing shows only what is on
    sale; this is everything I manage. Each carries its `commission`: the rate in effect now and
    what it keeps of one unit.
    """
    page = store_products(current_user, query)
    page["items"] = commission.with_commission(page["items"])
    return page


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


@blp.post("/seller/close")
@login_required(Role.SUPPLIER)
@blp.response(200, SellerAccountOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="closeMyStore")
def close_my_store() -> Any:
    """Close my store.

    Only with no order of mine still open (409 `orders_still_open`); my products leave the shop
    and I am a customer again.
    """
    return accounts.close(current_user)


@blp.get("/seller-accounts")
@login_required(Role.ADMIN)
@blp.arguments(SellerAccountQuery(), location="query")
@blp.response(200, page_of(SellerAccountOut))
@blp.doc(operationId="listSellerAccounts")
def list_seller_accounts(query: dict[str, Any]) -> Any:
    """List seller accounts, oldest first: the queue (admin).

    Filter by `status` (repeatable: `?status=pending` is the queue of applications), `kind`,
    and `q` (store name or town contains).
    """
    return accounts.list_accounts(query)


@blp.route("/seller-accounts/<int:account_id>")
class SellerAccountById(MethodView):
    @login_required()
    @blp.response(200, SellerAccountOut)
    @blp.doc(operationId="getSellerAccount")
    def get(self, account_id: int) -> Any:
        """Read a seller account: its user's own, or any for an admin.

        Someone else's is 404 `seller_account_not_found`.
        """
        return terms.with_terms_status(accounts.get_account(current_user, account_id))


@blp.post("/seller-accounts/<int:account_id>/documents")
@login_required(Role.CUSTOMER)
@blp.arguments(SellerDocumentIn(), location="multipart")
@blp.response(201, SellerDocumentOut, location=document_link)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="addSellerDocument")
def add_seller_document(data: dict[str, Any], account_id: int) -> Any:
    """Add a verification document (a photo of a certificate or an ID) to my application.

    JPEG, PNG or WebP, at most 5 MB; checked by content and re-encoded, kept private. While the
    application is pending; at most 5 (409 `too_many_documents`).
    """
    return accounts.add_document(current_user, account_id, data["file"], data["label"])


@blp.get("/seller-accounts/<int:account_id>/documents/<int:document_id>")
@blp.arguments(SignedLinkQuery(), location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/webp", description="The document")
@blp.alt_response(403, response="FORBIDDEN")
@blp.doc(operationId="getSellerDocument")
def get_seller_document(query: dict[str, Any], account_id: int, document_id: int) -> Any:
    """Open a verification document by its signed link (the `url` in the account's response).

    A link not signed for it is 404 `seller_document_not_found`; an expired one 403
    `media_link_expired`.
    """
    path = accounts.document_file(account_id, document_id, query["expires"], query["signature"])
    return send_file(path, mimetype="image/webp", max_age=0)


# The admins' decisions: one route each, so that each is an operation of its own in the document.
DECIDED = (
    "A move the status machine does not allow is 409 `invalid_transition` (with `allowed`); the "
    "seller is told of the decision in the app and by email."
)


@blp.post("/seller-accounts/<int:account_id>/approve")
@login_required(Role.ADMIN)
@blp.arguments(DecisionIn())
@blp.response(200, SellerAccountOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="approveSeller", description=f"Its store opens and its user becomes a supplier. {DECIDED}")
def approve_seller(data: dict[str, Any], account_id: int) -> Any:
    """Approve a seller application (admin)."""
    return accounts.decide(current_user, account_id, SellerStatus.PENDING, SellerStatus.APPROVED, data.get("reason"))


@blp.post("/seller-accounts/<int:account_id>/reject")
@login_required(Role.ADMIN)
@blp.arguments(DecisionIn())
@blp.response(200, SellerAccountOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="rejectSeller", description=f"A `reason` is required (422 without). {DECIDED}")
def reject_seller(data: dict[str, Any], account_id: int) -> Any:
    """Reject a seller application, saying why (admin)."""
    return accounts.decide(current_user, account_id, SellerStatus.PENDING, SellerStatus.REJECTED, data.get("reason"))


@blp.post("/seller-accounts/<int:account_id>/suspend")
@login_required(Role.ADMIN)
@blp.arguments(DecisionIn())
@blp.response(200, SellerAccountOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(
    operationId="suspendSeller",
    description=f"Its products leave the shop (withheld, not deleted); a `reason` is required. {DECIDED}",
)
def suspend_seller(data: dict[str, Any], account_id: int) -> Any:
    """Suspend a seller (admin)."""
    return accounts.decide(current_user, account_id, SellerStatus.APPROVED, SellerStatus.SUSPENDED, data.get("reason"))


@blp.post("/seller-accounts/<int:account_id>/reinstate")
@login_required(Role.ADMIN)
@blp.arguments(DecisionIn())
@blp.response(200, SellerAccountOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="reinstateSeller", description=f"The products it withheld come back to the shop. {DECIDED}")
def reinstate_seller(data: dict[str, Any], account_id: int) -> Any:
    """Reinstate a suspended seller (admin)."""
    return accounts.decide(current_user, account_id, SellerStatus.SUSPENDED, SellerStatus.APPROVED, data.get("reason"))


# Seller terms ------------------------------------------------------------------------------------


@blp.get("/terms/current")
@blp.response(200, TermsOut)
@blp.doc(operationId="getCurrentSellerTerms")
def current_terms() -> Any:
    """The seller terms in effect.

    404 `terms_not_found` before any version is published.
    """
    return terms.current()


@blp.post("/terms")
@login_required(Role.ADMIN)
@blp.arguments(TermsIn())
@blp.response(201, TermsOut, location=lambda made: url_for("sellers.current_terms"))
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="publishSellerTerms")
def publish_terms(data: dict[str, Any]) -> Any:
    """Publish a version of the seller terms (admin).

    It applies from `effective_from` (now when omitted); every approved seller is notified and,
    once it applies, lists and changes no product until they accept it. A version used already
    is 409 `terms_version_taken`.
    """
    return terms.publish(current_user, data)


@blp.post("/seller/terms/accept")
@login_required(Role.SUPPLIER)
@blp.arguments(TermsAcceptIn())
@blp.response(200, TermsAcceptanceOut)
@blp.doc(operationId="acceptSellerTerms")
def accept_terms(data: dict[str, Any]) -> Any:
    """Accept a version of the seller terms.

    Recorded with the time, the client's address and user agent; accepting it again keeps the
    first record. An unknown version is 404 `terms_not_found`.
    """
    return terms.accept(current_user, data["version"], request.remote_addr, request.headers.get("User-Agent"))


# Seller orders ------------------------------------------------------------------------------------


@blp.get("/seller/orders")
@login_required(Role.SUPPLIER)
@blp.arguments(SellerOrderQuery(), location="query")
@blp.response(200, page_of(SellerOrderOut))
@blp.doc(operationId="listMySellerOrders")
def my_seller_orders(query: dict[str, Any]) -> Any:
    """My store's parts of orders, newest first.

    Filter by `status` (repeatable), `created_from`, `created_to` and `reference` (the order's
    or the seller order's). Each with its lines, gross, the commission frozen at checkout, my
    net, and of the buyer only what delivery needs.
    """
    return seller_orders.list_seller_orders(current_user, query)


@blp.get("/seller/orders/<int:seller_order_id>")
@login_required(Role.SUPPLIER)
@blp.response(200, SellerOrderOut)
@blp.doc(operationId="getMySellerOrder")
def my_seller_order(seller_order_id: int) -> Any:
    """One of my store's seller orders, with its history.

    Another seller's is 404 `seller_order_not_found`.
    """
    return seller_orders.get_seller_order(current_user, seller_order_id)


@blp.post("/seller/orders/<int:seller_order_id>/pack")
@login_required(Role.SUPPLIER)
@blp.response(200, SellerOrderOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="packMySellerOrder")
def pack_my_seller_order(seller_order_id: int) -> Any:
    """Mark my part packed (from `to_fulfil`).

    The order becomes `processing` once any of its parts is packed. Another seller's is 404; a
    move the machine does not allow is 409 `invalid_transition`.
    """
    return seller_orders.move_part(current_user, seller_order_id, SellerOrderStatus.PACKED)


@blp.post("/seller/orders/<int:seller_order_id>/ship")
@login_required(Role.SUPPLIER)
@blp.arguments(ShipIn())
@blp.response(200, SellerOrderOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="shipMySellerOrder")
def ship_my_seller_order(data: dict[str, Any], seller_order_id: int) -> Any:
    """Mark my part shipped (from `packed`), with the courier and a tracking note if I have them.

    The order becomes `shipped` once every live part is. Only staff mark a part delivered.
    """
    return seller_orders.move_part(current_user, seller_order_id, SellerOrderStatus.SHIPPED, **data)


@blp.post("/seller/orders/<int:seller_order_id>/cancel")
@login_required(Role.SUPPLIER)
@blp.arguments(CancelPartIn())
@blp.response(200, SellerOrderOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="cancelMySellerOrder")
def cancel_my_seller_order(data: dict[str, Any], seller_order_id: int) -> Any:
    """Cancel my part: I cannot deliver it (from `to_fulfil` or `packed`), saying why.

    Its lines go back to stock and are no longer due; what the customer paid for them is
    refunded (Paystack and PayPal at once, M-Pesa and cash by an admin by hand; the delivery fee
    stays), the customer is told, and the other sellers' parts go on. If it was the order's last
    live part, the order is cancelled (and wholly refunded). A part waiting for its payment, or
    shipped, cannot be cancelled (409 `invalid_transition`).
    """
    return seller_orders.cancel_part(current_user, seller_order_id, data["reason"])


@blp.get("/seller-orders")
@login_required(Role.ADMIN)
@blp.arguments(AdminSellerOrderQuery(), location="query")
@blp.response(200, page_of(SellerOrderOut))
@blp.doc(operationId="listSellerOrders")
def list_seller_orders(query: dict[str, Any]) -> Any:
    """Every seller's parts of orders (admin), newest first.

    The sellers' filters, and `seller_id`: a suspended or closed seller's open parts stay here
    to be seen through.
    """
    return seller_orders.list_seller_orders(current_user, query, as_admin=True)


@blp.get("/seller-orders/<int:seller_order_id>")
@login_required(Role.ADMIN)
@blp.response(200, SellerOrderOut)
@blp.doc(operationId="getSellerOrder")
def get_seller_order(seller_order_id: int) -> Any:
    """Any seller order, with its history (admin).

    Its lines, frozen commission and net, and what delivery needs; an unknown one is 404
    `seller_order_not_found`.
    """
    return seller_orders.get_seller_order(current_user, seller_order_id, as_admin=True)


@blp.post("/seller-orders/<int:seller_order_id>/cancel")
@login_required(Role.ADMIN)
@blp.arguments(CancelPartIn())
@blp.response(200, SellerOrderOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="cancelSellerOrder")
def cancel_seller_order(data: dict[str, Any], seller_order_id: int) -> Any:
    """Cancel a seller's part (admin), as its seller would; the seller is told.

    The same effects as the seller's cancellation: restocked once, refunded, the customer told.
    """
    return seller_orders.cancel_part(current_user, seller_order_id, data["reason"], as_admin=True)


@blp.post("/seller-orders/<int:seller_order_id>/deliver")
@login_required(Role.ADMIN)
@blp.response(200, SellerOrderOut)
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="deliverSellerOrder")
def deliver_seller_order(seller_order_id: int) -> Any:
    """Mark a seller order delivered (admin; from `shipped`).

    Only staff do: a seller never releases its own money. The order becomes `delivered` once
    every live part is.
    """
    return seller_orders.move_part(current_user, seller_order_id, SellerOrderStatus.DELIVERED, as_admin=True)


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
