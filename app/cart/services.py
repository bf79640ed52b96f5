"""Cart rules: one cart per customer or guest, lines priced at today's prices, merging on login.

Every change locks the cart's row first (`SELECT ... FOR UPDATE` on PostgreSQL), so two
requests changing one cart, or a change racing its checkout, run one after the other.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select, update

from app.auth.models import User
from app.cart.errors import CartLimit, CartLineNotFound, CartNotFound
from app.cart.models import Cart, CartLine
from app.catalog.errors import InsufficientStock, ProductNotFound
from app.catalog.services.offers import Offer, offers
from app.common.db import unit_of_work
from app.common.reads import rows
from app.common.types import utcnow
from app.errors import ValidationFailed
from app.extensions import db

MAX_LINES = 100  # lines in one cart, saved-for-later included


@dataclass(frozen=True, slots=True)
class Owner:
    """Whose cart a request is about: a signed-in user's, or the guest cart of a token."""

    user: User | None = None
    guest_token: str | None = None


@dataclass(slots=True)
class LineProblem:
    """Why a line cannot be bought as it is, or what changed since it was added."""

    code: str  # unavailable | insufficient_stock | price_changed
    detail: str
    line_id: int
    product_id: int
    added_price: Decimal | None = None
    current_price: Decimal | None = None
    available: int | None = None


@dataclass(slots=True)
class LineView:
    id: int
    product: Offer
    quantity: int
    unit_price: Decimal
    line_total: Decimal
    problems: list[LineProblem]


@dataclass(slots=True)
class CartView:
    lines: list[LineView]
    saved_for_later: list[LineView]
    subtotal: Decimal
    currency: str
    count: int
    cart_token: str | None = None


@dataclass(slots=True)
class Validation:
    valid: bool
    problems: list[LineProblem] = field(default_factory=list)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def line_max() -> int:
    return int(current_app.config["CART_LINE_MAX"])


def _guest_lifetime() -> timedelta:
    return timedelta(days=current_app.config["GUEST_CART_DAYS"])


def _find(owner: Owner, *, for_update: bool = False) -> Cart | None:
    """The owner's cart, or None when they have none yet. An unknown or expired guest token is
    404 `cart_not_found` (the client should forget it)."""
    if owner.user is not None:
        stmt = select(Cart).where(Cart.user_id == owner.user.id)
    elif owner.guest_token:
        stmt = select(Cart).where(Cart.token_hash == token_digest(owner.guest_token), Cart.expires_at > utcnow())
    else:
        return None
    if for_update:
        stmt = stmt.with_for_update()
    cart = db.session.scalar(stmt)
    if cart is None and owner.user is None:
        raise CartNotFound("This cart token is unknown or has expired: forget it and start a new cart.")
    return cart


def cart_to_change(owner: Owner) -> tuple[Cart, str | None]:
    """The owner's cart, locked, made if they have none; and the new guest token when one was
    made (the only time it is seen)."""
    cart = _find(owner, for_update=True)
    token = None
    if cart is None:
        if owner.user is not None:
            cart = Cart(user_id=owner.user.id)
        else:
            token = secrets.token_urlsafe(32)  # 256 bits; only its SHA-256 is stored
            cart = Cart(token_hash=token_digest(token), expires_at=utcnow() + _guest_lifetime())
        db.session.add(cart)
        db.session.flush()
    else:
        _touch(cart)
    return cart, token


def _problems(line: CartLine, offer: Offer) -> list[LineProblem]:
    if not offer.on_sale:
        return [LineProblem("unavailable", "This product is no longer on sale.", line.id, offer.id)]
    found = []
    if offer.stock < line.quantity:
        found.append(
            LineProblem(
                "insufficient_stock",
                f"Only {offer.stock} left." if offer.stock else "Out of stock.",
                line.id,
                offer.id,
                available=offer.stock,
            )
        )
    if offer.price != line.added_price:
        found.append(
            LineProblem(
                "price_changed",
                f"The price changed from {line.added_price} to {offer.price}.",
                line.id,
                offer.id,
                added_price=line.added_price,
                current_price=offer.price,
            )
        )
    return found


def _view(cart: Cart | None, token: str | None = None, known: dict[int, Offer] | None = None) -> CartView:
    """The cart as GET /cart shows it; `known` offers (read by the caller already) are not read again."""
    return _priced(cart.lines if cart is not None else [], token, known)


def _priced(lines: Sequence[Any], token: str | None = None, known: dict[int, Offer] | None = None) -> CartView:
    """Lines (CartLine objects, or rows with the same names) priced at today's prices."""
    currency = current_app.config["STORE_CURRENCY"]
    if not lines:
        return CartView([], [], Decimal("0.00"), currency, 0, token)
    wanted = {line.product_id for line in lines}
    found = {pid: offer for pid, offer in (known or {}).items() if pid in wanted}
    if wanted - found.keys():
        found.update(offers(wanted - found.keys()))
    in_cart: list[LineView] = []
    saved: list[LineView] = []
    for line in lines:
        offer = found[line.product_id]
        view = LineView(line.id, offer, line.quantity, offer.price, offer.price * line.quantity, _problems(line, offer))
        (saved if line.saved_for_later else in_cart).append(view)
    # Withdrawn products cannot be bought, so they are not in the sum.
    subtotal = sum((v.line_total for v in in_cart if v.product.on_sale), Decimal("0.00"))
    cart = CartView(in_cart, saved, subtotal, currency, sum(v.quantity for v in in_cart), token)
    _shown(cart)
    return cart


def _shown(view: CartView) -> None:
    """A cart read shows its lines at today's prices: those prices count as seen (`added_price`
    is the price the customer last saw, which checkout holds the cart to). This response still
    reports each change as a `price_changed` problem; the next read no longer does."""
    changed = {
        line.id: line.unit_price
        for line in (*view.lines, *view.saved_for_later)
        if any(problem.code == "price_changed" for problem in line.problems)
    }
    if not changed:
        return
    with unit_of_work():  # a GET that writes, only when a price moved since the last read
        for line_id, price in changed.items():
            db.session.execute(
                update(CartLine)
                .where(CartLine.id == line_id)
                .values(added_price=price)
                .execution_options(synchronize_session=False)
            )


_LINE_COLUMNS = (CartLine.id, CartLine.product_id, CartLine.quantity, CartLine.added_price, CartLine.saved_for_later)


def _line_rows(owner: Owner) -> Sequence[Any]:
    """The owner's lines as rows, in order: one statement for a user (no Cart object needed)."""
    if owner.user is not None:
        where = CartLine.cart_id == select(Cart.id).where(Cart.user_id == owner.user.id).scalar_subquery()
    else:
        cart = _find(owner)  # a guest's token must be checked (404 when unknown or expired)
        if cart is None:
            return []
        where = CartLine.cart_id == cart.id
    return rows(select(*_LINE_COLUMNS).where(where).order_by(CartLine.id)).all()


def get_cart(owner: Owner) -> CartView:
    """The cart priced at today's prices, each line with its problems (an empty one for an
    owner who has none yet).

    Read as rows, not ORM objects: GET /cart is the hottest read of the purchase path."""
    return _priced(_line_rows(owner))


def count(owner: Owner) -> int:
    """Units in the cart (saved-for-later not counted): the badge on a cart icon."""
    cart = _find(owner)
    if cart is None:
        return 0
    stmt = select(func.coalesce(func.sum(CartLine.quantity), 0)).where(
        CartLine.cart_id == cart.id, CartLine.saved_for_later.is_(False)
    )
    return int(db.session.scalar(stmt) or 0)


def validate(owner: Owner) -> Validation:
    """Every line in the cart whose product was withdrawn, whose stock fell short or whose price
    changed since it was added."""
    view = get_cart(owner)
    problems = [problem for line in view.lines for problem in line.problems]
    return Validation(not problems, problems)


def _on_sale(product_id: int) -> Offer:
    offer = offers([product_id]).get(product_id)
    if offer is None or not offer.on_sale:
        raise ProductNotFound("No such product.")
    return offer


def _check_quantity(offer: Offer, quantity: int) -> None:
    if quantity > line_max():
        raise CartLimit(f"At most {line_max()} of one product in a cart.", limit=line_max())
    if quantity > offer.stock:
        raise InsufficientStock(
            f"Only {offer.stock} of this product left.",
            shortages=[{"product_id": offer.id, "requested": quantity, "available": offer.stock}],
        )


def add_line(owner: Owner, product_id: int, quantity: int) -> CartView:
    """Put `quantity` of a product in the cart, added to its line if it has one (a line saved
    for later moves back into the cart). A new guest cart's token is in the result."""
    if quantity > line_max():
        raise ValidationFailed.field("quantity", f"At most {line_max()}.")
    offer = _on_sale(product_id)
    cart, token = cart_to_change(owner)
    line = next((line for line in cart.lines if line.product_id == product_id), None)
    if line is None:
        if len(cart.lines) >= MAX_LINES:
            raise CartLimit(f"A cart holds at most {MAX_LINES} lines.", limit=MAX_LINES)
        _check_quantity(offer, quantity)
        cart.lines.append(CartLine(product_id=product_id, quantity=quantity, added_price=offer.price))
    else:
        _check_quantity(offer, line.quantity + quantity)
        line.quantity += quantity
        line.saved_for_later = False
        line.added_price = offer.price  # the buyer has just seen today's price
    db.session.flush()
    return _view(cart, token, {offer.id: offer})


def _line_of(owner: Owner, line_id: int) -> tuple[Cart, CartLine]:
    cart = _find(owner, for_update=True)
    line = next((line for line in cart.lines if line.id == line_id), None) if cart else None
    if cart is None or line is None:
        raise CartLineNotFound("No such line in this cart.")
    return cart, line


def _touch(cart: Cart) -> None:
    # A guest cart lives GUEST_CART_DAYS from its last change.
    if cart.token_hash is not None:
        cart.expires_at = utcnow() + _guest_lifetime()


def change_line(owner: Owner, line_id: int, quantity: int) -> CartView:
    """Set a line's quantity (within stock and the line cap)."""
    if quantity > line_max():
        raise ValidationFailed.field("quantity", f"At most {line_max()}.")
    cart, line = _line_of(owner, line_id)
    if quantity > line.quantity:  # fewer is always allowed, even of a withdrawn product
        _check_quantity(_on_sale(line.product_id), quantity)
    line.quantity = quantity
    _touch(cart)
    db.session.flush()
    return _view(cart)


def remove_line(owner: Owner, line_id: int) -> CartView:
    """Take a line out of the cart (or out of saved-for-later)."""
    cart, line = _line_of(owner, line_id)
    cart.lines.remove(line)
    _touch(cart)
    db.session.flush()
    return _view(cart)


def clear(owner: Owner) -> None:
    """Empty the cart; lines saved for later stay."""
    cart = _find(owner, for_update=True)
    if cart is None:
        return
    for line in [line for line in cart.lines if not line.saved_for_later]:
        cart.lines.remove(line)
    _touch(cart)


def save_for_later(owner: Owner, line_id: int) -> CartView:
    """Move a line out of the cart into saved-for-later (not bought, not in the subtotal)."""
    cart, line = _line_of(owner, line_id)
    line.saved_for_later = True
    _touch(cart)
    db.session.flush()
    return _view(cart)


def move_to_cart(owner: Owner, line_id: int) -> CartView:
    """Move a saved line back into the cart, if its product is on sale and in stock."""
    cart, line = _line_of(owner, line_id)
    if line.saved_for_later:
        offer = _on_sale(line.product_id)
        _check_quantity(offer, line.quantity)
        line.saved_for_later = False
        line.added_price = offer.price
    _touch(cart)
    db.session.flush()
    return _view(cart)
