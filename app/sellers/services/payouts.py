"""Sellers' payouts: their payout number (changed only with the password, and held a while),
asking for a payout of the available balance, the weekly scheduled run, and reading theirs."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.auth.errors import WrongPassword
from app.auth.models import User
from app.auth.passwords import verify_password
from app.catalog.services.sellers import my_store, seller_of
from app.common.db import unit_of_work
from app.common.fields import masked_phone
from app.common.types import utcnow
from app.errors import AppError
from app.extensions import db
from app.ledger import chart
from app.ledger.chart import SellerBucket
from app.ledger.services import balance
from app.notifications.emails import send_templated
from app.notifications.inbox import Kind, notify
from app.payments.gateways.mpesa import msisdn
from app.payouts.errors import PayoutNotFound
from app.payouts.models import Payout
from app.payouts.services import claims, reads
from app.payouts.services.book import Payee, control
from app.payouts.status import Origin, PayeeKind
from app.sellers.errors import SellerAccountNotFound
from app.sellers.models import SellerAccount
from app.sellers.status import SellerStatus

log = logging.getLogger("duka.sellers")


def _account_of(user: User) -> SellerAccount:
    store = my_store(user)
    account = db.session.scalar(select(SellerAccount).where(SellerAccount.store_id == store.id))
    if account is None:
        raise SellerAccountNotFound("Your store has no seller account.")
    return account


def payee_of(account: SellerAccount) -> Payee:
    """Where the account's payouts go now: its payout number (the contact phone until it sets
    one), held for PAYOUT_NUMBER_HOLD_HOURS after it was changed."""
    assert account.store_id is not None
    hold = None
    if account.payout_phone_set_at is not None:
        hold = account.payout_phone_set_at + timedelta(hours=current_app.config["PAYOUT_NUMBER_HOLD_HOURS"])
    return Payee(
        kind=PayeeKind.SELLER,
        user_id=account.user_id,
        phone=msisdn(account.payout_phone or account.contact_phone),
        seller_id=account.store_id,
        not_before=hold if hold and hold > utcnow() else None,
    )


def payout_number(user: User) -> dict[str, Any]:
    """The caller's payout number, and until when payouts to it are held (a new number)."""
    account = _account_of(user)
    payee = payee_of(account)
    return {"phone": account.payout_phone or account.contact_phone, "held_until": payee.not_before}


def change_payout_number(user: User, phone: str, password: str) -> dict[str, Any]:
    """Send payouts to another number: with the password (an account taken over must not
    redirect a week's earnings), told by email, and payouts to it held for
    PAYOUT_NUMBER_HOLD_HOURS (those made before go to the number they were made for)."""
    if not verify_password(password, user.password_hash):
        raise WrongPassword("The password is incorrect.", errors={"password": ["Incorrect."]})
    account = _account_of(user)
    previous = account.payout_phone or account.contact_phone
    if phone == previous:
        return payout_number(user)
    account.payout_phone, account.payout_phone_set_at = phone, utcnow()
    hold = current_app.config["PAYOUT_NUMBER_HOLD_HOURS"]
    message = (
        f"Payouts of {account.store_name} will go to {masked_phone(phone)} (was {masked_phone(previous)}). "
        f"They wait {hold} hours first. If you did not ask for this, change your password and tell us at once."
    )
    notify(account.user_id, Kind.PAYOUT, "Your payout number changed", message, ("seller_account", account.id))
    send_templated(user.email, "Your payout number changed", "update", message=message)
    return payout_number(user)


def request_payout(user: User, amount: Decimal | None) -> list[Payout]:
    """Pay out `amount` (all the whole shillings available when None) of the caller's store."""
    account = _account_of(user)
    return claims.request_payouts(payee_of(account), amount, origin=Origin.REQUEST, requested_by=user.id)


def list_my_payouts(user: User, query: dict[str, Any]) -> dict[str, Any]:
    return reads.list_payouts(query, seller_id=my_store(user).id)


def get_my_payout(user: User, payout_id: int) -> Payout:
    """One of the caller's store's payouts; anyone else's (or, without a store, any) is 404."""
    store = seller_of(user)
    if store is None:
        raise PayoutNotFound("No such payout.")
    return reads.get_payout(payout_id, seller_id=store.id)


def payee_for_retry(payout: Payout) -> Payee | None:
    """payouts' `payee_wanted` question, for a seller's payout: its account's payee now."""
    if payout.payee != PayeeKind.SELLER.value or payout.seller_id is None:
        return None
    account = db.session.scalar(select(SellerAccount).where(SellerAccount.store_id == payout.seller_id))
    return payee_of(account) if account is not None else None


def scheduled_payouts() -> int:
    """The scheduled run (PAYOUT_SCHEDULE): every approved seller whose available balance holds
    PAYOUT_MIN_AMOUNT or more is paid out all its whole shillings, each seller in its own unit
    of work. Nothing while payouts are paused. Returns how many sellers were paid out."""
    if control().paused:
        return 0
    least = claims.minimum()
    accounts = db.session.scalars(
        select(SellerAccount.id).where(
            SellerAccount.status == SellerStatus.APPROVED.value, SellerAccount.store_id.is_not(None)
        )
    ).all()
    paid = 0
    for account_id in accounts:
        try:
            with unit_of_work():
                account = db.session.get(SellerAccount, account_id)
                assert account is not None and account.store_id is not None
                if balance(chart.seller(account.store_id, SellerBucket.AVAILABLE)) < least:
                    continue
                claims.request_payouts(payee_of(account), None, origin=Origin.SCHEDULE, requested_by=None)
                paid += 1
        except (AppError, ValueError) as exc:  # paused meanwhile, a number M-Pesa cannot take...
            log.warning("scheduled payout of seller account %s skipped: %s", account_id, exc)
    return paid
