"""What checkout (app/orders) takes from a cart: the lines to buy with their offers now, the cart
locked; then the bought lines taken out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, select

from app.auth.models import User
from app.cart.models import Cart, CartLine
from app.catalog.services.offers import Offer, offers
from app.common.reads import rows
from app.extensions import db


@dataclass(slots=True)
class Purchase:
    """A cart line as checkout takes it: the line, the price the customer last saw for it, and
    its product's offer now."""

    line_id: int
    quantity: int
    offer: Offer
    seen_price: Decimal


def purchases(user: User) -> list[Purchase]:
    """The lines in `user`'s cart (not saved for later) with their offers now, the cart row
    locked until the caller's transaction ends: a second checkout of the same cart waits, then
    finds it empty.

    The lock is taken first and the lines read after it, in a statement of their own: read in
    the locking statement, a waiting checkout would see the lines as they were before the first
    one removed them."""
    cart_id = db.session.scalar(select(Cart.id).where(Cart.user_id == user.id).with_for_update())
    if cart_id is None:
        return []
    lines = rows(
        select(CartLine.id, CartLine.product_id, CartLine.quantity, CartLine.added_price)
        .where(CartLine.cart_id == cart_id, CartLine.saved_for_later.is_(False))
        .order_by(CartLine.id)
    ).all()
    found = offers({line.product_id for line in lines})
    return [Purchase(line.id, line.quantity, found[line.product_id], line.added_price) for line in lines]


def remove_purchased(user: User, line_ids: Iterable[int]) -> None:
    """Take bought lines out of the cart (saved-for-later stays)."""
    ids = list(line_ids)
    if ids:
        # "evaluate": the deleted lines leave this session too, and a cart it loaded reads its
        # lines again: a later add in the same session (a script, a task) must not update a line
        # the database no longer has.
        db.session.execute(
            delete(CartLine).where(CartLine.id.in_(ids)).execution_options(synchronize_session="evaluate")
        )
        for loaded in list(db.session.identity_map.values()):
            if isinstance(loaded, Cart) and loaded.user_id == user.id:
                db.session.expire(loaded, ["lines"])
