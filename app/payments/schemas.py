"""Request and response schemas of payments."""

from __future__ import annotations

from marshmallow import fields, validate

from app.common.fields import DecimalString, KenyanPhone, Trimmed
from app.common.money import MoneyField
from app.common.schemas import BaseSchema, OutSchema, PaginationQuery
from app.orders.status import PaymentMethod
from app.payments.models import PaymentStatus, Provider, RefundStatus

STATUSES = [status.value for status in PaymentStatus]
PROVIDERS = [provider.value for provider in Provider]
METHODS = [method.value for method in PaymentMethod]


ExchangeRate = lambda **kw: DecimalString(6, **kw)


class MethodOut(OutSchema):
    method = fields.String(validate=validate.OneOf(METHODS), metadata={"description": "As checkout's payment_method"})
    currency = fields.String(metadata={"description": "What the customer is charged in"})
    exchange_rate = ExchangeRate(
        allow_none=True,
        metadata={"description": "Store currency per unit of `currency` when they differ (PayPal: KES per USD)"},
    )
    min_amount = MoneyField(allow_none=True)
    max_amount = MoneyField(allow_none=True)


class StkPushIn(BaseSchema):
    order_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    phone = KenyanPhone(
        metadata={"description": "The M-Pesa number to prompt; the order's delivery phone when omitted"}
    )


REFUND_STATUSES = [status.value for status in RefundStatus]


class RefundOut(OutSchema):
    id = fields.Integer()
    payment_id = fields.Integer()
    amount = MoneyField()
    status = fields.String(validate=validate.OneOf(REFUND_STATUSES))
    provider_reference = fields.String(allow_none=True)
    destination = fields.String(metadata={"description": "original (the card, PayPal, M-Pesa, cash) or wallet"})
    reason = fields.String()
    requested_by_id = fields.Integer(allow_none=True, metadata={"description": "Null: the system (a cancelled order)"})
    failure_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class RefundIn(BaseSchema):
    amount = MoneyField(
        metadata={"description": "In the payment's currency (USD for PayPal); the whole remainder when omitted"}
    )
    to_wallet = fields.Boolean(
        load_default=False,
        metadata={"description": "Into the customer's wallet, at once (no provider, no reference), if WALLET_REFUNDS"},
    )
    reason = Trimmed(required=True, validate=validate.Length(min=1, max=300))
    reference = Trimmed(
        validate=validate.Length(min=1, max=100),
        metadata={
            "description": "Required for M-Pesa and cash payments (refunded by hand): the refund's reference, "
            "e.g. the M-Pesa transaction code (422 without it). Paystack and PayPal refunds are sent to "
            "the provider and get theirs."
        },
    )


class PaymentQuery(PaginationQuery):
    status = fields.List(
        fields.String(validate=validate.OneOf(STATUSES)),
        validate=validate.Length(max=len(STATUSES)),
        metadata={"description": "Repeatable"},
    )
    provider = fields.String(validate=validate.OneOf(PROVIDERS))
    order_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    needs_refund = fields.Boolean()


class PaymentOut(OutSchema):
    id = fields.Integer()
    order_id = fields.Integer()
    provider = fields.String(validate=validate.OneOf(PROVIDERS))
    status = fields.String(validate=validate.OneOf(STATUSES))
    amount = MoneyField(metadata={"description": "Asked of the provider (M-Pesa: whole shillings, rounded up)"})
    currency = fields.String()
    order_amount = MoneyField(metadata={"description": "The order's total in the store currency"})
    exchange_rate = ExchangeRate(
        allow_none=True,
        metadata={
            "description": "Store currency per unit of `currency` when converted (PayPal); `amount` is "
            "order_amount / exchange_rate rounded up to the cent"
        },
    )
    amount_paid = MoneyField(allow_none=True)
    provider_reference = fields.String(
        allow_none=True,
        metadata={
            "description": "The provider's id of the attempt (M-Pesa CheckoutRequestID, Paystack reference, "
            "PayPal order id)"
        },
    )
    checkout_request_id = fields.String(allow_none=True, metadata={"description": "M-Pesa's CheckoutRequestID"})
    receipt = fields.String(
        allow_none=True,
        metadata={
            "description": "The provider's id of the money movement (M-Pesa receipt, Paystack transaction id, "
            "PayPal capture id)"
        },
    )
    phone = fields.String(allow_none=True)
    failure_code = fields.String(allow_none=True)
    failure_reason = fields.String(allow_none=True)
    needs_review = fields.Boolean()
    needs_refund = fields.Boolean()
    refunds = fields.List(fields.Nested(RefundOut))
    created_at = fields.AwareDateTime()
    settled_at = fields.AwareDateTime(allow_none=True)


class CallbackAckOut(OutSchema):
    """What Safaricom expects back from a callback URL."""

    ResultCode = fields.Integer()
    ResultDesc = fields.String()


class PaystackInitializeIn(BaseSchema):
    order_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))


class PaystackInitializeOut(OutSchema):
    authorization_url = fields.String(metadata={"description": "Send the customer here to pay (Paystack's checkout)"})
    reference = fields.String(metadata={"description": "The transaction's reference, for verifyPaystackPayment"})
    payment = fields.Nested(PaymentOut)


class WebhookAckOut(OutSchema):
    received = fields.Boolean()


class PaypalOrderIn(BaseSchema):
    order_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))


class PaypalOrderOut(OutSchema):
    paypal_order_id = fields.String(metadata={"description": "PayPal's order id, for capturePaypalOrder"})
    approve_url = fields.String(metadata={"description": "Send the buyer here to approve the payment"})
    payment = fields.Nested(PaymentOut)


class CashConfirmIn(BaseSchema):
    order_id = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=2**31 - 1))
    amount = MoneyField(required=True, metadata={"description": "The cash received: the order's total"})
