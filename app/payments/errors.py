"""Domain errors of payments, and how a gateway's failures become them."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from app.errors import AppError, Conflict, NotFound, ServiceUnavailable, ValidationFailed
from app.orders.errors import PaymentMethodUnavailable
from app.payments.gateways import ProviderBusy, ProviderError, ProviderRejection

log = logging.getLogger("duka.payments")


class PaymentNotFound(NotFound):
    code, title = "payment_not_found", "Payment not found"


class PaymentInProgress(Conflict):
    code, title = "payment_in_progress", "A payment for this order is in progress"


class OrderNotPayable(Conflict):
    code, title = "order_not_payable", "This order cannot be paid now"


# One error for a method the shop does not take, whether checkout or an initiation finds it.
MethodUnavailable = PaymentMethodUnavailable


class InvalidSignature(AppError):
    status, code, title = 401, "invalid_signature", "Invalid webhook signature"


class ProviderUnavailable(AppError):
    status, code, title = 502, "provider_unavailable", "Payment provider unavailable"


class ProvidersBusy(ServiceUnavailable):
    code, title = "provider_busy", "Payment provider busy"


def unanswered(exc: Exception, detail: str) -> AppError:
    """The API error for a provider call that got no usable answer: 503 `provider_busy` (with
    Retry-After) when this process already had its provider calls in flight, else 502
    `provider_unavailable` with `detail`."""
    if isinstance(exc, ProviderBusy):
        return ProvidersBusy(
            "The payment provider is slow and this server has enough calls waiting on it; try again shortly."
        )
    return ProviderUnavailable(detail)


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


@contextmanager
def calling(provider: str, action: str, nothing: str = "nothing was charged") -> Iterator[None]:
    """Around a gateway call: the provider's refusal becomes 422 `provider_refused` (with its
    code), anything else that went wrong 502 `provider_unavailable`; neither says more than
    the provider's own message (never a secret)."""
    try:
        yield
    except ProviderRejection as refused:
        raise ProviderRefused(f"{provider} refused {action}: {refused.message}", provider_code=refused.code) from None
    except ProviderError as exc:
        log.warning("%s: %s failed: %s", provider, action, exc)
        raise unanswered(exc, f"{provider} did not answer; {nothing}. Try again shortly.") from None


class InsufficientWallet(Conflict):
    code, title = "insufficient_wallet", "Not enough in the wallet"
