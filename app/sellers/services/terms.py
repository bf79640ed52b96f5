"""The platform's terms for sellers: versions an admin publishes, the version in effect, sellers'
acceptances, and the rule that a seller who has not accepted the version in effect lists and
changes no product (catalog.signals.seller_changing_products)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.auth.models import User
from app.common.db import insert_unless_exists
from app.common.types import utcnow
from app.extensions import db
from app.notifications.inbox import Kind, notify
from app.sellers.errors import TermsNotAccepted, TermsNotFound, TermsVersionTaken
from app.sellers.models import SellerAccount, TermsAcceptance, TermsVersion
from app.sellers.status import SellerStatus


@dataclass(slots=True)
class TermsStatus:
    """Where a seller stands with the terms (in their account's response)."""

    version_in_effect: str | None
    accepted_version: str | None

    @property
    def accepted(self) -> bool:
        return self.version_in_effect is None or self.version_in_effect == self.accepted_version


def in_effect(now: datetime | None = None) -> TermsVersion | None:
    """The version in effect: the newest whose `effective_from` has come (None before any)."""
    return db.session.scalar(
        select(TermsVersion)
        .where(TermsVersion.effective_from <= (now or utcnow()))
        .order_by(TermsVersion.effective_from.desc(), TermsVersion.id.desc())
        .limit(1)
    )


def current() -> TermsVersion:
    terms = in_effect()
    if terms is None:
        raise TermsNotFound("No seller terms are published yet.")
    return terms


def publish(admin: User, data: dict[str, Any]) -> TermsVersion:
    """Publish a version (409 `terms_version_taken` for a version already used); every approved
    seller is told, and must accept it once it is in effect."""
    if db.session.scalar(select(TermsVersion.id).where(TermsVersion.version == data["version"])) is not None:
        raise TermsVersionTaken(f"Version {data['version']} is published already.")
    terms = TermsVersion(
        version=data["version"],
        text=data["text"],
        effective_from=data.get("effective_from") or utcnow(),
        published_by_id=admin.id,
    )
    db.session.add(terms)
    db.session.flush()
    sellers = db.session.scalars(
        select(SellerAccount.user_id).where(SellerAccount.status == SellerStatus.APPROVED.value)
    ).all()
    for user_id in sellers:
        notify(
            user_id,
            Kind.SELLER_TERMS,
            "New seller terms",
            f"Version {terms.version} of the seller terms applies from {terms.effective_from:%Y-%m-%d %H:%M} UTC: "
            "accept it to keep listing products.",
            ("terms", terms.id),
        )
    return terms


def accept(user: User, version: str, address: str | None, user_agent: str | None) -> TermsAcceptance:
    """The seller accepts a published version (404 `terms_not_found` for an unknown one);
    accepting it twice keeps the first record."""
    from app.sellers.services.accounts import my_account

    account = my_account(user)
    terms = db.session.scalar(select(TermsVersion).where(TermsVersion.version == version))
    if terms is None:
        raise TermsNotFound(f"No seller terms of version {version}.")
    insert_unless_exists(
        TermsAcceptance,
        {
            "terms_id": terms.id,
            "account_id": account.id,
            "user_id": user.id,
            "accepted_at": utcnow(),
            "address": (address or "")[:64] or None,
            "user_agent": (user_agent or "")[:300] or None,
        },
        ["terms_id", "account_id"],
    )
    found = db.session.scalar(
        select(TermsAcceptance).where(TermsAcceptance.terms_id == terms.id, TermsAcceptance.account_id == account.id)
    )
    assert found is not None
    return found


def status_of(account: SellerAccount) -> TermsStatus:
    """The version in effect and the newest version this account accepted."""
    terms = in_effect()
    accepted = db.session.scalar(
        select(TermsVersion.version)
        .join(TermsAcceptance, TermsAcceptance.terms_id == TermsVersion.id)
        .where(TermsAcceptance.account_id == account.id)
        .order_by(TermsVersion.effective_from.desc(), TermsVersion.id.desc())
        .limit(1)
    )
    return TermsStatus(terms.version if terms else None, accepted)


def with_terms_status(account: SellerAccount) -> SellerAccount:
    """The account, carrying where it stands with the terms (its `terms` in responses)."""
    setattr(account, "terms_status", status_of(account))  # noqa: B010 - not a column (see the model)
    return account


def require_accepted(store_id: int) -> None:
    """Refuse a seller's product change unless its account accepted the version in effect
    (403 `terms_not_accepted`, naming the version)."""
    terms = in_effect()
    if terms is None:
        return
    account_id = db.session.scalar(
        select(SellerAccount.id).where(SellerAccount.store_id == store_id, SellerAccount.status == "approved")
    )
    if account_id is None:
        return  # a store without an account (the house seller's) answers to no terms
    accepted = db.session.scalar(
        select(TermsAcceptance.id).where(TermsAcceptance.terms_id == terms.id, TermsAcceptance.account_id == account_id)
    )
    if accepted is None:
        raise TermsNotAccepted(
            f"Accept version {terms.version} of the seller terms to list or change products "
            "(POST /api/v1/seller/terms/accept).",
            version=terms.version,
        )
