"""Domain errors of payments."""

from __future__ import annotations

from app.errors import AppError, Conflict, NotFound, ValidationFailed


class PaymentNotFound(NotFound):
    code, title = "payment_not_found", "Payment not found"


class PaymentInProgress(Conflict):
    code, title = "payment_in_progress", "A payment for this order is in progress"


class OrderNotPayable(Conflict):
    code, title = "order_not_payable", "This order cannot be paid now"


class MethodUnavailable(Conflict):
    code, title = "payment_method_unavailable", "Payment method not available"


class InvalidSignature(AppError):
    status, code, title = 401, "invalid_signature", "Invalid webhook signature"


class ProviderUnavailable(AppError):
    status, code, title = 502, "provider_unavailable", "Payment provider unavailable"


class ProviderRefused(AppError):
    status, code, title = 422, "provider_refused", "The payment provider refused the request"


class NotACallback(ValidationFailed):
    code, title = "not_a_callback", "Not a payment callback"
    keeps_changes = True  # the body is kept in the event log, for whoever sent it


class RefundExceedsPayment(Conflict):
    code, title = "refund_exceeds_payment", "Refund exceeds what was paid"


class NotRefundable(Conflict):
    code, title = "not_refundable", "This payment cannot be refunded"


class InvalidWebhook(AppError):
    status, code, title = 400, "invalid_webhook", "Not a webhook delivery"


class OrderAlreadyPaid(Conflict):
    code, title = "order_already_paid", "This order is already paid"
