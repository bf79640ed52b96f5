"""Demo sellers for `flask seed-demo`: the demo supplier's approved store (idempotent)."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.catalog.models import Seller
from app.catalog.services.sellers import open_store, seller_of
from app.common.types import utcnow
from app.extensions import db
from app.sellers.models import SellerAccount, SellerEvent
from app.sellers.status import SellerKind, SellerStatus


def demo_store(owner: User) -> Seller:
    """Sami Electronics, approved, with its seller account: made once, found after."""
    store = seller_of(owner) or open_store(owner, "Sami Electronics", "Phones, laptops and crafts from Nairobi.")
    if db.session.scalar(select(SellerAccount.id).where(SellerAccount.store_id == store.id)) is None:
        now = utcnow()
        account = SellerAccount(
            user_id=owner.id,
            store_id=store.id,
            status=SellerStatus.APPROVED.value,
            kind=SellerKind.BUSINESS.value,
            store_name=store.name,
            about=store.about,
            contact_phone="+254712000001",
            contact_email=owner.email,
            pickup_county="Nairobi",
            pickup_town="Westlands",
            social_links={"website": "https://sami.example.co.ke"},
            kra_pin="P051234567K",
            registration_number="PVT-DEMO-0001",
            approved_at=now,
        )
        db.session.add(account)
        db.session.flush()
        db.session.add(SellerEvent(account_id=account.id, to_status="approved", actor_kind="admin", reason="Demo data"))
    return store
