"""`flask payments simulate-callback`: Safaricom's documented callback bodies for a payment, so a
payment can be tried end to end on a machine Safaricom cannot reach (the sandbox sends prompts
to real test phones, but its callbacks cannot reach localhost)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from app.payments.gateways.mpesa import NAIROBI
from app.payments.models import Payment

RESULTS = {
    "success": (0, "The service request is processed successfully."),
    "cancelled": (1032, "Request cancelled by user"),
    "insufficient": (1, "The balance is insufficient for the transaction."),
    "wrong-pin": (2001, "The initiator information is invalid."),
    "unreachable": (1037, "DS timeout user cannot be reached"),
}


def callback_body(payment: Payment, result: str) -> dict[str, Any]:
    """The STK callback Safaricom would post for `payment` ending in `result`."""
    code, description = RESULTS[result]
    callback: dict[str, Any] = {
        "MerchantRequestID": str((payment.details or {}).get("merchant_request_id") or "29115-34620561-1"),
        "CheckoutRequestID": payment.provider_reference,
        "ResultCode": code,
        "ResultDesc": description,
    }
    if code == 0:
        callback["CallbackMetadata"] = {
            "Item": [
                {"Name": "Amount", "Value": float(payment.amount)},
                {"Name": "MpesaReceiptNumber", "Value": "SIM" + secrets.token_hex(4).upper()[:7]},
                {"Name": "Balance"},
                {"Name": "TransactionDate", "Value": int(datetime.now(NAIROBI).strftime("%Y%m%d%H%M%S"))},
                {"Name": "PhoneNumber", "Value": int(payment.phone or "254708374149")},
            ]
        }
    return {"Body": {"stkCallback": callback}}
