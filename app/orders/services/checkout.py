"""Checkout: a customer's cart becomes an order, in one transaction.

Every line is re-checked against the catalog, products, prices, the address and the delivery
zone are copied into the order, the stock is taken (app/catalog/services/stock.py: conditional
UPDATEs in product-id order), the bought lines leave the cart, the first history event is
written and the confirmation email queued. Any failure rolls all of it back: no order, no stock
taken, the cart as it was.
"""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from flask import current_app

from app.auth.models import User
from app.cart.purchases import Purchase, purchases, remove_purchased
from app.catalog.services.stock import take_stock
from app.errors import ValidationFailed
from app.extensions import db
from app.orders.errors import (
    CartEmpty,
    EmailNotVerified,
    PaymentMethodUnavailable,
    PriceChanged,
    ProductUnavailable,
    UnpaidOrdersLimit,
)
from app.orders.models import Order, OrderLine
from app.orders.notices import order_placed
from app.orders.services.orders import Actor, payment_due, record_event, unpaid_holdings
from app.orders.services.zones import quote
from app.orders.signals import order_placed as placed
from app.orders.signals import order_spends_wallet, payment_methods_offered
from app.orders.status import OrderStatus, PaymentMethod
from app.users.services import get_address

# No 0/O, 1/I: read over the phone, typed into M-Pesa (AccountReference holds 12 characters).
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_PREFIX = "DK"
REFERENCE_LENGTH = 8  # random characters after the prefix: 32^8, about 10^12


def new_reference() -> str:
    """A short, random (not sequential, not guessable) order reference, e.g. DK7F3K9QXM.

    Not looked up first: 32^8 (10^12) references make a clash about as likely as a corrupted
    disk, and the unique constraint still refuses one (a 409 the client's idempotent retry
    gets past with a new reference)."""
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def _address_snapshot(address: Any) -> dict[str, Any]:
    return {
        "label": address.label,
        "recipient": address.recipient,
        "phone": address.phone,
        "county": address.county,
        "town": address.town,
        "street": address.street,
        "postal_code": address.postal_code,
    }


def _check_prices_seen(bought: list[Purchase], subtotal: Decimal, fee: Decimal, currency: str) -> None:
    """Nobody is charged a price they have not seen: a line whose price changed since the cart
    was last read is 409 `price_changed`, with the lines and the new totals. Reading the cart
    (GET /cart or /cart/validate) shows the new prices and counts as seen."""
    changed = [p for p in bought if p.offer.price != p.seen_price]
    if changed:
        raise PriceChanged(
            "Prices changed since you last saw your cart: read it again to see them, then check out.",
            lines=[
                {
                    "line_id": p.line_id,
                    "product_id": p.offer.id,
                    "name": p.offer.name,
                    "seen_price": str(p.seen_price),
                    "price": str(p.offer.price),
                }
                for p in changed
            ],
            subtotal=str(subtotal),
            delivery_fee=str(fee),
            total=str(subtotal + fee),
            currency=currency,
        )


def _check_method_offered(method: PaymentMethod) -> None:
    """An order only for a method the shop takes now (M-Pesa without credentials, PayPal without
    a rate: refused here, not stranded until it expires). The payments domain answers."""
    answers = payment_methods_offered.send()
    if not answers:
        return  # no domain takes payments (orders alone): nothing to check against
    offered = set().union(*(methods for _, methods in answers))
    if method.value not in offered:
        raise PaymentMethodUnavailable(
            f"This shop does not take {method.value} payments now; choose one of: {', '.join(sorted(offered))}.",
            errors={"payment_method": [f"Not offered; one of: {', '.join(sorted(offered))}."]},
            offered=sorted(offered),
        )


def _check_unpaid_limits(user: User, method: PaymentMethod, units: int) -> None:
    """What one account may keep from everyone else in orders nobody has paid for: cash on
    delivery only with a verified email, and at most UNPAID_ORDERS_MAX orders holding at most
    UNPAID_UNITS_MAX units awaiting payment (the cart is locked: one checkout of a user at a time)."""
    if method is PaymentMethod.CASH and not user.email_verified:
        raise EmailNotVerified("Cash on delivery needs a verified email: open the link we sent, or pay now.")
    config = current_app.config
    orders, held = unpaid_holdings(user.id)
    if orders + 1 > config["UNPAID_ORDERS_MAX"] or held + units > config["UNPAID_UNITS_MAX"]:
        raise UnpaidOrdersLimit(
            f"You have {orders} unpaid orders holding {held} items: pay or cancel one first "
            f"(at most {config['UNPAID_ORDERS_MAX']} orders and {config['UNPAID_UNITS_MAX']} items awaiting payment).",
            unpaid_orders=orders,
            unpaid_units=held,
            max_orders=config["UNPAID_ORDERS_MAX"],
            max_units=config["UNPAID_UNITS_MAX"],
        )


def _wallet_part(method: PaymentMethod, asked: Decimal | None, total: Decimal) -> Decimal:
    """What the wallet pays: all of it for `wallet`; for another method, `wallet_amount` if
    given, less than the total (the method pays the rest)."""
    if method is PaymentMethod.WALLET:
        if asked is not None and asked != total:
            raise ValidationFailed.field("wallet_amount", f"The wallet pays the whole order: {total}.")
        return total
    if asked is None or asked == 0:
        return Decimal("0.00")
    if asked >= total:
        raise ValidationFailed.field(
            "wallet_amount",
            f"Less than the total ({total}): to pay it all from the wallet, choose payment_method wallet.",
        )
    return asked


def place_order(user: User, data: dict[str, Any]) -> Order:
    """Turn the customer's cart into an order (see the module's docstring)."""
    address = get_address(user, data["address_id"])
    bought = purchases(user)  # locks the cart: a second checkout of it waits, then finds it empty
    if not bought:
        raise CartEmpty("The cart is empty.")
    withdrawn = [p.offer for p in bought if not p.offer.on_sale]
    if withdrawn:
        raise ProductUnavailable(
            "Some products are no longer on sale: remove them from the cart.",
            products=[{"product_id": offer.id, "name": offer.name} for offer in withdrawn],
        )
    method = PaymentMethod(data["payment_method"])
    _check_method_offered(method)
    _check_unpaid_limits(user, method, sum(p.quantity for p in bought))
    currency = current_app.config["STORE_CURRENCY"]
    subtotal = sum((p.offer.price * p.quantity for p in bought), Decimal("0.00"))
    delivery = quote(address.county, address.town, subtotal, data.get("delivery_zone_id"))
    _check_prices_seen(bought, subtotal, delivery.fee, currency)
    take_stock({p.offer.id: p.quantity for p in bought})

    zone = delivery.zone
    order = Order(
        reference=new_reference(),
        user_id=user.id,
        status=OrderStatus.PENDING_PAYMENT.value,
        payment_method=method.value,
        currency=currency,
        subtotal=subtotal,
        delivery_fee=delivery.fee,
        total=subtotal + delivery.fee,
        shipping_address=_address_snapshot(address),
        delivery_zone_id=zone.id,
        delivery_zone={
            "id": zone.id,
            "name": zone.name,
            "fee": str(delivery.fee),
            "days_min": zone.days_min,
            "days_max": zone.days_max,
        },
        notes=data.get("notes"),
        payment_due_at=payment_due(method),
        wallet_amount=_wallet_part(method, data.get("wallet_amount"), subtotal + delivery.fee),
    )
    for p in sorted(bought, key=lambda p: p.line_id):
        order.lines.append(
            OrderLine(
                product_id=p.offer.id,
                seller_id=p.offer.seller_id,
                name=p.offer.name,
                sku=p.offer.sku,
                unit_price=p.offer.price,
                quantity=p.quantity,
                line_total=p.offer.price * p.quantity,
            )
        )
    record_event(order, None, OrderStatus.PENDING_PAYMENT.value, Actor.of(user), "Order placed.")
    db.session.add(order)
    remove_purchased(user, [p.line_id for p in bought])
    db.session.flush()
    placed.send(order)  # seller orders and their frozen commission, in this transaction
    if order.wallet_amount > 0:
        order_spends_wallet.send(order)  # held (or the checkout refused), and paid when it pays it all
    order_placed(order)
    return order
