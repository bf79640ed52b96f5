"""A cart across its owner's life: a guest cart merged on sign-in, expired guest carts purged, a
user's cart forgotten with their account."""

from __future__ import annotations

from sqlalchemy import delete, select

from app.auth.models import User
from app.cart.models import Cart, CartLine
from app.cart.services import MAX_LINES, Owner, cart_to_change, line_max, token_digest
from app.catalog.services.offers import offers
from app.common.db import changed_rows
from app.common.types import utcnow
from app.extensions import db


def merge_guest_cart(user: User, token: str | None) -> None:
    """Merge the guest cart of `token` into `user`'s cart and delete it. Quantities add up,
    capped by the line cap and by stock (a line already over stock keeps its own quantity);
    lines beyond the cart's cap are dropped. An unknown or expired token is ignored: the
    sign-in it came with must not fail for it."""
    if not token:
        return
    guest = db.session.scalar(
        select(Cart).where(Cart.token_hash == token_digest(token), Cart.expires_at > utcnow()).with_for_update()
    )
    if guest is None:
        return
    cart, _ = cart_to_change(Owner(user=user))
    found = offers({line.product_id for line in guest.lines})
    mine = {line.product_id: line for line in cart.lines}
    for theirs in guest.lines:
        offer = found[theirs.product_id]
        line = mine.get(theirs.product_id)
        if line is None:
            if len(cart.lines) >= MAX_LINES:
                continue
            quantity = min(theirs.quantity, line_max(), max(offer.stock, 1))
            cart.lines.append(
                CartLine(
                    product_id=theirs.product_id,
                    quantity=quantity,
                    added_price=theirs.added_price,
                    saved_for_later=theirs.saved_for_later,
                )
            )
        else:
            line.quantity = min(line.quantity + theirs.quantity, line_max(), max(offer.stock, line.quantity))
            line.saved_for_later = line.saved_for_later and theirs.saved_for_later
    db.session.delete(guest)
    db.session.flush()


def purge_expired_guest_carts() -> int:
    """Delete guest carts past their `expires_at`; returns how many."""
    return changed_rows(
        delete(Cart)
        .where(Cart.token_hash.is_not(None), Cart.expires_at <= utcnow())
        .execution_options(synchronize_session=False)
    )


def forget_carts(user_id: int) -> None:
    """Delete a user's cart (account deletion)."""
    db.session.execute(delete(Cart).where(Cart.user_id == user_id).execution_options(synchronize_session=False))
