"""Sellers' store pages, applying to sell, seller accounts, the admins' decisions, closing."""

from __future__ import annotations

from typing import Any

from flask import send_file, url_for
from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt_identity

from app.auth.models import Role
from app.auth.ratelimit import documented
from app.catalog.services.managing import store_products
from app.catalog.services.sellers import set_store_logo, store_page, update_store
from app.common.http import conditional
from app.common.permissions import login_required
from app.common.reads import read_only
from app.common.schemas import SignedLinkQuery, page_of
from app.extensions import limiter
from app.sellers.routes.blueprint import blp
from app.sellers.schemas import (
    DecisionIn,
    SellerAccountOut,
    SellerAccountQuery,
    SellerApplicationIn,
    SellerDocumentIn,
    SellerDocumentOut,
    SellerProductOut,
    StoreLogoIn,
    StorePageOut,
    StorePatch,
    StoreProductQuery,
    document_link,
)
from app.sellers.services import accounts, commission, terms
from app.sellers.status import SellerStatus


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
