"""`/api/v1/payments`: methods; M-Pesa, Paystack and PayPal with their callbacks; cash; refunds."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask_jwt_extended import current_user, get_jwt_identity

from app.auth.models import Role
from app.auth.ratelimit import documented
from app.common.blueprint import Blueprint
from app.common.db import unit_of_work
from app.common.idempotency import idempotent
from app.common.permissions import login_required
from app.common.schemas import PaginationQuery, page_of
from app.extensions import limiter
from app.payments.schemas import (
    CallbackAckOut,
    CashConfirmIn,
    MethodOut,
    PaymentOut,
    PaymentQuery,
    PaypalOrderIn,
    PaypalOrderOut,
    PaystackInitializeIn,
    PaystackInitializeOut,
    RefundIn,
    RefundOut,
    StkPushIn,
    WebhookAckOut,
)
from app.payments.services import cash, mpesa, payments, paypal, paystack, refunds, settlement

blp = Blueprint("payments", __name__, url_prefix="/api/v1", description="Paying orders")


def _per_user() -> str:
    return f"user:{get_jwt_identity()}"


# Initiations ring phones and cost money: a few a minute per user.
initiation_rate = documented(
    limiter.limit(lambda: "5/minute", key_func=_per_user, scope="payment-initiation", methods=["POST"])
)


# Questions to a provider (refresh, verify, capture): per user, beside the per-payment throttle.
query_rate = documented(
    limiter.limit(lambda: current_app.config["PAYMENT_QUERIES_PER_USER"], key_func=_per_user, scope="payment-query")
)


@blp.get("/payments/methods")
@blp.response(200, MethodOut(many=True))
@blp.doc(operationId="listPaymentMethods")
def payment_methods() -> Any:
    """List the payment methods this shop offers.

    A provider without credentials is not offered; M-Pesa takes KES 1 to 250,000 a transaction.
    The one list that is not a page: the shop's own set of at most four methods.
    """
    return payments.available_methods()


@blp.post("/payments/mpesa/stk-push")
@login_required(Role.CUSTOMER)
@initiation_rate
@idempotent("mpesaStkPush", required=False)
@blp.arguments(StkPushIn())
@blp.response(202, PaymentOut)
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(502, response="DEFAULT_ERROR")
@blp.doc(operationId="startMpesaPayment")
def stk_push(data: dict[str, Any]) -> Any:
    """Pay an order with M-Pesa: prompt the customer's phone.

    202 with the payment, `pending`, and its `checkout_request_id`; the callback (or
    `refreshPayment`) settles it. While a prompt for the order is pending and recent, 409
    `payment_in_progress` (with its `payment_id`); past the order's `payment_due_at`, 409
    `order_not_payable`. One phone number gets at most STK_PUSHES_PER_PHONE prompts (5 an hour),
    whichever accounts ask (429). M-Pesa unreachable is 502 `provider_unavailable` (nothing
    charged).
    """
    return mpesa.start_mpesa(current_user, data["order_id"], data.get("phone"))


@blp.post("/payments/mpesa/callback/<secret>")
@blp.response(200, CallbackAckOut)
@blp.doc(operationId="mpesaCallback")
def mpesa_callback(secret: str) -> Any:
    """Receive Safaricom's STK Push result (called by Safaricom, not by apps).

    The path carries the shared secret (MPESA_CALLBACK_SECRET; a wrong one is 404). Every body is
    logged before it is acted on; a repeated callback changes nothing; a body that is no STK
    callback is 422.
    """
    mpesa.handle_mpesa_callback(secret, request.get_data(cache=True))
    return {"ResultCode": 0, "ResultDesc": "Accepted"}


@blp.post("/payments/paystack/initialize")
@login_required(Role.CUSTOMER)
@initiation_rate
@idempotent("paystackInitialize", required=False)
@blp.arguments(PaystackInitializeIn())
@blp.response(
    201, PaystackInitializeOut, location=lambda made: url_for("payments.get_payment", payment_id=made["payment"].id)
)
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(502, response="DEFAULT_ERROR")
@blp.doc(operationId="startPaystackPayment")
def paystack_initialize(data: dict[str, Any]) -> Any:
    """Pay a card order with Paystack: open a transaction.

    201 with `authorization_url` (send the customer there), the transaction's `reference` and the
    payment, `pending`. Amounts go to Paystack in the currency's subunit (KES cents). The webhook
    or `verifyPaystackPayment` settles it. One open attempt per order: while one is pending, 409
    `payment_in_progress` with its `payment_id` and `redirect_url` (send the customer there).
    """
    return paystack.start_paystack(current_user, data["order_id"])


@blp.get("/payments/paystack/verify/<reference>")
@login_required(Role.CUSTOMER, Role.ADMIN)
@query_rate
@blp.response(200, PaymentOut)
@blp.alt_response(502, response="DEFAULT_ERROR")
@blp.doc(operationId="verifyPaystackPayment")
@unit_of_work()  # a GET that writes (as Paystack's flow has it): the Blueprint opens units only for writes
def paystack_verify(reference: str) -> Any:
    """Verify a Paystack transaction and settle its payment.

    Call it when the customer is back from Paystack's page. Someone else's reference is 404.
    """
    return paystack.verify_paystack(current_user, reference)


@blp.post("/payments/paystack/webhook")
@blp.response(200, WebhookAckOut)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.doc(operationId="paystackWebhook")
def paystack_webhook() -> Any:
    """Receive Paystack's events (called by Paystack, not by apps).

    `x-paystack-signature` must be the HMAC-SHA512 of the raw body keyed with the secret key
    (else 401, nothing changes). `charge.success` settles when reference, amount and currency
    match; a repeated event changes nothing.
    """
    paystack.handle_paystack_webhook(request.get_data(cache=True), request.headers.get("x-paystack-signature"))
    return {"received": True}


@blp.post("/payments/paypal/orders")
@login_required(Role.CUSTOMER)
@initiation_rate
@idempotent("paypalCreateOrder", required=False)
@blp.arguments(PaypalOrderIn())
@blp.response(201, PaypalOrderOut, location=lambda made: url_for("payments.get_payment", payment_id=made["payment"].id))
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(502, response="DEFAULT_ERROR")
@blp.doc(operationId="startPaypalPayment")
def paypal_create_order(data: dict[str, Any]) -> Any:
    """Pay a PayPal order: create the PayPal order the buyer approves.

    201 with `approve_url` (send the buyer there), `paypal_order_id` and the payment, `pending`.
    The total is charged in PAYPAL_CURRENCY at the payment's `exchange_rate`, rounded up to the
    cent. Back from PayPal, call `capturePaypalOrder`. One open attempt per order: while one is
    pending, 409 `payment_in_progress` with its `payment_id` and `redirect_url` (its approve URL).
    """
    return paypal.start_paypal(current_user, data["order_id"])


@blp.post("/payments/paypal/orders/<paypal_order_id>/capture")
@login_required(Role.CUSTOMER, Role.ADMIN)
@query_rate
@blp.response(200, PaymentOut)
@blp.alt_response(502, response="DEFAULT_ERROR")
@blp.doc(operationId="capturePaypalOrder")
def paypal_capture(paypal_order_id: str) -> Any:
    """Capture an approved PayPal order and settle its payment.

    Call it when the buyer is back from PayPal. A declined funding source is 422
    `provider_refused` (the buyer may approve again at the approve URL); calling it twice is
    harmless. Someone else's PayPal order is 404.
    """
    return paypal.capture_paypal(current_user, paypal_order_id)


@blp.post("/payments/paypal/webhook")
@blp.response(200, WebhookAckOut)
@blp.alt_response(400, response="DEFAULT_ERROR")
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(502, response="DEFAULT_ERROR")
@blp.doc(operationId="paypalWebhook")
def paypal_webhook() -> Any:
    """Receive PayPal's events (called by PayPal, not by apps).

    Each delivery is verified with PayPal (`verify-webhook-signature`, with PAYPAL_WEBHOOK_ID):
    missing PAYPAL-* headers or a body that is no event is 400, a signature PayPal does not verify
    401; nothing changes then. PAYMENT.CAPTURE.COMPLETED settles, .DENIED fails the attempt,
    .REFUNDED records the refund; a repeated event (by its id) changes nothing.
    """
    paypal.handle_paypal_webhook(request.get_data(cache=True), request.headers)
    return {"received": True}


@blp.post("/payments/cash/confirm")
@login_required(Role.ADMIN)
@blp.arguments(CashConfirmIn())
@blp.response(201, PaymentOut, location=lambda made: url_for("payments.get_payment", payment_id=made.id))
@blp.alt_response(409, response="CONFLICT")
@blp.doc(operationId="confirmCashPayment")
def cash_confirm(data: dict[str, Any]) -> Any:
    """Record the cash received for a cash-on-delivery order (admin).

    The amount must be the order's total. The order becomes paid: waiting for payment it moves to
    `paid`, out for delivery to `delivered`; otherwise it keeps its state. Confirmed already is
    409 `order_already_paid`.
    """
    return cash.confirm_cash(current_user, data["order_id"], data["amount"])


@blp.get("/payments")
@login_required(Role.ADMIN)
@blp.arguments(PaymentQuery(), location="query")
@blp.response(200, page_of(PaymentOut))
@blp.doc(operationId="listPayments")
def list_payments(query: dict[str, Any]) -> Any:
    """List payments, newest first (admin).

    Filter by `status` (repeatable), `provider`, `order_id` and `needs_refund` (paid twice, or
    paid for an order since cancelled).
    """
    return payments.list_payments(query)


@blp.post("/payments/<int:payment_id>/refunds")
@login_required(Role.ADMIN)
@blp.arguments(RefundIn())
@blp.response(201, RefundOut, location=lambda made: url_for("payments.get_payment", payment_id=made.payment_id))
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(502, response="DEFAULT_ERROR")
@blp.doc(operationId="refundPayment")
def refund_payment(data: dict[str, Any], payment_id: int) -> Any:
    """Refund a payment, wholly or in part (admin).

    Paystack refunds are sent to Paystack; M-Pesa and cash ones are made by hand and recorded
    with their `reference`; `to_wallet` puts it into the customer's wallet at once instead. More
    than what is left is 409 `refund_exceeds_payment`.
    """
    return refunds.refund(
        current_user, payment_id, data.get("amount"), data["reason"], data.get("reference"), to_wallet=data["to_wallet"]
    )


@blp.get("/payments/<int:payment_id>")
@login_required(Role.CUSTOMER, Role.ADMIN)
@blp.response(200, PaymentOut)
@blp.doc(operationId="getPayment")
def get_payment(payment_id: int) -> Any:
    """Read a payment.

    Its customer's or any for an admin; someone else's is 404 `payment_not_found`.
    """
    return payments.get_payment(current_user, payment_id)


@blp.post("/payments/<int:payment_id>/refresh")
@login_required(Role.CUSTOMER, Role.ADMIN)
@query_rate
@blp.response(200, PaymentOut)
@blp.alt_response(502, response="DEFAULT_ERROR")
@blp.doc(operationId="refreshPayment")
def refresh_payment(payment_id: int) -> Any:
    """Ask the provider where a pending payment stands.

    Settles it when the provider's answer is final (a lost callback); a settled payment is
    returned as it is. One payment is asked of its provider at most once every
    PAYMENT_QUERY_SECONDS (10): sooner, it is returned as it stands. Each user asks at most
    PAYMENT_QUERIES_PER_USER (20 a minute, 429). 503 `provider_busy` (Retry-After) when this
    server already waits on the provider with as many calls as it allows.
    """
    return settlement.refresh(current_user, payment_id)


@blp.get("/orders/<int:order_id>/payments")
@login_required(Role.CUSTOMER, Role.ADMIN)
@blp.arguments(PaginationQuery(), location="query")
@blp.response(200, page_of(PaymentOut))
@blp.doc(operationId="listOrderPayments")
def order_payments(query: dict[str, Any], order_id: int) -> Any:
    """List the payment attempts of an order, oldest first, a page at a time.

    The order's customer or an admin; someone else's order is 404.
    """
    return payments.payments_of_order(current_user, order_id, query["page"], query["per_page"])
