"""What applicants, sellers and admins are told of seller accounts (in the app and by email)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import User
from app.catalog.models import Seller
from app.extensions import db
from app.notifications.emails import send_templated
from app.notifications.inbox import Kind, notify, notify_admins
from app.orders.models import OrderLine
from app.sellers.models import SellerAccount, SellerOrder, SellerReturnResponse
from app.sellers.status import SellerStatus

ON_STATUS: dict[SellerStatus, tuple[str, str]] = {
    SellerStatus.APPROVED: (
        "Your store is open",
        "{name} is approved: list your products now (accept the seller terms first).",
    ),
    SellerStatus.REJECTED: ("Your seller application", "We could not approve {name}: {why}"),
    SellerStatus.SUSPENDED: ("Your store is suspended", "{name} is suspended, its products are off the shop: {why}"),
    SellerStatus.CLOSED: ("Your store is closed", "{name} is closed; its products are off the shop."),
}
REINSTATED = ("Your store is open again", "{name} is reinstated: its products are back in the shop.")


def application_received(account: SellerAccount) -> None:
    notify_admins(
        Kind.SELLER_APPLICATION,
        "New seller application",
        f"{account.store_name} ({account.kind}, {account.pickup_town}) applied to sell.",
        ("seller_account", account.id),
    )


def status_changed(account: SellerAccount, previous: str, reason: str | None) -> None:
    """Tell the account's user of a decision, in the app and by email."""
    to = SellerStatus(account.status)
    told = REINSTATED if (previous, to) == (SellerStatus.SUSPENDED.value, SellerStatus.APPROVED) else ON_STATUS.get(to)
    if told is None:
        return
    title, body = told
    message = body.format(name=account.store_name, why=reason or "")
    notify(account.user_id, Kind.SELLER_STATUS, title, message, ("seller_account", account.id))
    email = db.session.scalar(select(User.email).where(User.id == account.user_id))
    if email:
        send_templated(email, title, "seller_update", message=message)


PART_TOLD: dict[str, tuple[str, str]] = {
    "to_fulfil": ("An order to fulfil", "Order {reference}: {units} item(s) of yours to pack and ship."),
    "cancelled": ("An order was cancelled", "Order {reference} was cancelled: do not ship it."),
}


def seller_order_moved(part: SellerOrder, to: str) -> None:
    """Tell the seller (in the app and by email) when a part becomes theirs to fulfil or is
    cancelled; the house seller's parts go to the admins' inbox."""
    told = PART_TOLD.get(to)
    if told is None:
        return
    title, body = told
    units = db.session.scalar(
        select(func.coalesce(func.sum(OrderLine.quantity), 0)).where(
            OrderLine.order_id == part.order_id, OrderLine.seller_id == part.seller_id
        )
    )
    tell_seller(part, title, body.format(reference=part.reference, units=units))


def part_returned(part: SellerOrder, return_id: int, units: int, *, refunded: bool, reversed_: str = "") -> None:
    """Tell the seller that a return touches its part: asked for, or refunded (its commission
    on those units given back)."""
    if refunded:
        title = "A return was refunded"
        message = f"Return {return_id} of order {part.reference} is refunded: {units} item(s); {reversed_}."
    else:
        title = "A return was requested"
        message = f"Return {return_id}: the customer asks to return {units} item(s) of order {part.reference}."
    tell_seller(part, title, message)


def tell_seller(part: SellerOrder, title: str, message: str) -> None:
    """A note about one of a seller's parts, in the app and by email; the house seller's go to the
    admins' inbox (every admin fulfils it)."""
    owner_id = db.session.scalar(select(Seller.owner_id).where(Seller.id == part.seller_id))
    if owner_id is None:
        notify_admins(Kind.SELLER_ORDER, title, message, ("seller_order", part.id))
        return
    notify(owner_id, Kind.SELLER_ORDER, title, message, ("seller_order", part.id))
    email = db.session.scalar(select(User.email).where(User.id == owner_id))
    if email:
        send_templated(email, f"{title}: {part.reference}", "seller_update", message=message)


def return_answered(side: SellerReturnResponse) -> None:
    """The admins are told how a seller answered a return (they decide it)."""
    name = db.session.scalar(select(Seller.name).where(Seller.id == side.seller_id))
    why = f": {side.reason}" if side.reason else ""
    notify_admins(
        Kind.SELLER_ORDER,
        f"A seller answered return {side.return_id}",
        f"{name} {'accepts' if side.response == 'accept' else 'disputes'} return {side.return_id}{why}",
        ("return", side.return_id),
    )
