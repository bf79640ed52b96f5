"""Withdrawing from a wallet to M-Pesa: a payout (Daraja B2C) like a seller's, with the same
limits, claimed from the wallet in the ledger; it needs the password and the customer is
emailed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.auth.errors import WrongPassword
from app.auth.models import User
from app.auth.passwords import verify_password
from app.common.fields import masked_phone
from app.errors import ValidationFailed
from app.extensions import db
from app.notifications.emails import send_templated
from app.payments.gateways.mpesa import msisdn
from app.payouts.errors import PayoutNotFound
from app.payouts.models import Payout
from app.payouts.services import claims, reads
from app.payouts.services.book import Payee
from app.payouts.status import Origin, PayeeKind


def _payee(user: User, phone: str | None) -> Payee:
    try:
        number = msisdn(phone or user.phone or "")
    except ValueError:
        raise ValidationFailed.field("phone", "A Kenyan mobile number, e.g. 0712345678.") from None
    return Payee(kind=PayeeKind.WALLET, user_id=user.id, phone=number)


def withdraw(user: User, amount: Decimal | None, phone: str | None, password: str) -> list[Payout]:
    """Send `amount` (all the wallet's whole shillings when None) to `phone` (the profile's when
    left out) by M-Pesa. The password is checked first (a stolen session cannot empty a wallet);
    the rules of payouts apply (whole shillings, PAYOUT_MIN_AMOUNT, KES 250,000 a transaction,
    approval above the threshold, paused); the customer is emailed."""
    if not verify_password(password, user.password_hash):
        raise WrongPassword("The password is incorrect.", errors={"password": ["Incorrect."]})
    made = claims.request_payouts(_payee(user, phone), amount, origin=Origin.REQUEST, requested_by=user.id)
    total = sum((payout.amount for payout in made), Decimal("0.00"))
    send_templated(
        user.email,
        "A withdrawal from your wallet",
        "update",
        message=(
            f"KES {total} from your wallet is on its way to M-Pesa {masked_phone(made[0].phone)}. "
            "If you did not ask for this, change your password and tell us at once."
        ),
    )
    return made


def list_withdrawals(user: User, query: dict[str, Any]) -> dict[str, Any]:
    query = {**query, "payee": PayeeKind.WALLET.value}
    return reads.list_payouts(query, user_id=user.id)


def get_withdrawal(user: User, payout_id: int) -> Payout:
    """One of the caller's withdrawals (a seller's payout is none: 404 `payout_not_found`)."""
    payout = reads.get_payout(payout_id, user_id=user.id)
    if payout.payee != PayeeKind.WALLET.value:
        raise PayoutNotFound("No such withdrawal.")
    return payout


def payee_for_retry(payout: Payout) -> Payee | None:
    """payouts' `payee_wanted` question, for a withdrawal: to the number it was for."""
    if payout.payee != PayeeKind.WALLET.value:
        return None
    user = db.session.get(User, payout.user_id)
    return Payee(kind=PayeeKind.WALLET, user_id=payout.user_id, phone=payout.phone) if user else None
