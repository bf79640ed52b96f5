"""Domain errors of sellers."""

from __future__ import annotations

from app.errors import Conflict, Forbidden, NotFound


class SellerAccountNotFound(NotFound):
    code, title = "seller_account_not_found", "Seller account not found"


class ApplicationExists(Conflict):
    code, title = "application_exists", "An application or store exists already"


class StoreNameTaken(Conflict):
    code, title = "store_name_taken", "Store name already used"


class SellerDocumentNotFound(NotFound):
    code, title = "seller_document_not_found", "Document not found"


class TooManyDocuments(Conflict):
    code, title = "too_many_documents", "Too many documents"


class OrdersStillOpen(Conflict):
    code, title = "orders_still_open", "Orders are still open"


class TermsNotFound(NotFound):
    code, title = "terms_not_found", "Seller terms not found"


class TermsVersionTaken(Conflict):
    code, title = "terms_version_taken", "Terms version already published"


class TermsNotAccepted(Forbidden):
    code, title = "terms_not_accepted", "Accept the seller terms first"


class CommissionRateNotFound(NotFound):
    code, title = "commission_rate_not_found", "Commission rate not found"


class CommissionRateExists(Conflict):
    code, title = "commission_rate_exists", "A rate for this target exists"


class SellerOrderNotFound(NotFound):
    code, title = "seller_order_not_found", "Seller order not found"


class SellerReturnNotFound(NotFound):
    code, title = "seller_return_not_found", "Return not found"


class AlreadyResponded(Conflict):
    code, title = "already_responded", "Already responded"


class ResponseWindowClosed(Conflict):
    code, title = "response_window_closed", "Response window closed"
