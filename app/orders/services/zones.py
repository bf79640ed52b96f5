"""Delivery zones: admin changes, and which zone covers an address at what fee."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import select

from app.auth.models import User
from app.cart.services import Owner, get_cart
from app.common.pagination import paginate
from app.errors import Unauthorized, ValidationFailed
from app.extensions import db
from app.orders.errors import DeliveryZoneNotFound, NotDeliverable, ZoneNameTaken
from app.orders.models import DeliveryZone
from app.users.services import get_address


@dataclass(slots=True)
class Quote:
    zone: DeliveryZone
    fee: Decimal
    free_delivery: bool  # the subtotal reached the zone's threshold
    currency: str
    subtotal: Decimal | None = None  # what the threshold was checked against


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    if "towns" in data:
        data["towns"] = sorted({town.strip().lower() for town in data["towns"] or []})
    if "counties" in data:
        data["counties"] = sorted(set(data["counties"]))
    return data


def list_zones(page: int, per_page: int, *, include_inactive: bool = False) -> dict[str, Any]:
    """Zones by name, one page; only active ones unless asked."""
    stmt = select(DeliveryZone).order_by(DeliveryZone.name, DeliveryZone.id)
    if not include_inactive:
        stmt = stmt.where(DeliveryZone.is_active)
    return paginate(stmt, page, per_page)


def get_zone(zone_id: int, *, include_inactive: bool = False) -> DeliveryZone:
    zone = db.session.get(DeliveryZone, zone_id)
    if zone is None or (not zone.is_active and not include_inactive):
        raise DeliveryZoneNotFound("No such delivery zone.")
    return zone


def _check_name(name: str, exclude_id: int | None = None) -> None:
    stmt = select(DeliveryZone.id).where(DeliveryZone.name == name)
    if exclude_id is not None:
        stmt = stmt.where(DeliveryZone.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise ZoneNameTaken(f"A delivery zone is already called {name!r}.")


def _check_days(zone: DeliveryZone) -> None:
    if zone.days_max < zone.days_min:
        raise ValidationFailed.field("days_max", "Must not be less than days_min.")


def create_zone(data: dict[str, Any]) -> DeliveryZone:
    """A new zone (admin); names are unique (409 `zone_name_taken`)."""
    _check_name(data["name"])
    zone = DeliveryZone(**_normalise(dict(data)))
    _check_days(zone)
    db.session.add(zone)
    return zone


def update_zone(zone_id: int, data: dict[str, Any]) -> DeliveryZone:
    zone = get_zone(zone_id, include_inactive=True)
    if "name" in data:
        _check_name(data["name"], exclude_id=zone.id)
    for name, value in _normalise(dict(data)).items():
        setattr(zone, name, value)
    _check_days(zone)
    return zone


def delete_zone(zone_id: int) -> None:
    """Delete a zone; orders keep their copy of it."""
    db.session.delete(get_zone(zone_id, include_inactive=True))


def covers(zone: DeliveryZone, county: str, town: str) -> bool:
    return county in zone.counties and (not zone.towns or town.strip().lower() in zone.towns)


def zone_for(county: str, town: str) -> DeliveryZone:
    """The active zone that delivers to (county, town): one naming the town beats one covering
    the whole county; then the cheaper, then the older. 409 `not_deliverable` when none does."""
    candidates = [
        z for z in db.session.scalars(select(DeliveryZone).where(DeliveryZone.is_active)) if covers(z, county, town)
    ]
    if not candidates:
        raise NotDeliverable(f"We do not deliver to {town}, {county} yet.")
    return min(candidates, key=lambda z: (not z.towns, z.fee, z.id))


def fee_for(zone: DeliveryZone, subtotal: Decimal | None) -> tuple[Decimal, bool]:
    """The zone's fee for an order of `subtotal` (0 at or above its free-delivery threshold)."""
    if zone.free_over is not None and subtotal is not None and subtotal >= zone.free_over:
        return Decimal("0.00"), True
    return zone.fee, False


def quote(county: str, town: str, subtotal: Decimal | None, zone_id: int | None = None) -> Quote:
    """The zone delivering to (county, town) (or the given one, which must cover it) and its fee."""
    if zone_id is not None:
        zone = get_zone(zone_id)
        if not covers(zone, county, town):
            raise NotDeliverable(f"The zone {zone.name!r} does not deliver to {town}, {county}.")
    else:
        zone = zone_for(county, town)
    fee, free = fee_for(zone, subtotal)
    return Quote(zone, fee, free, current_app.config["STORE_CURRENCY"], subtotal)


def quote_for(user: User | None, data: dict[str, Any], guest_token: str | None = None) -> Quote:
    """A quote for `address_id` (the user's own: a guest gets 401) or for `county` and `town`,
    for `subtotal`, or when none is sent for the caller's cart (the user's, or the guest cart
    of `guest_token`): the fee quoted is then the fee checkout charges."""
    if "address_id" in data:
        if user is None:
            raise Unauthorized("Log in to quote for a saved address, or send county and town.")
        address = get_address(user, data["address_id"])
        county, town = address.county, address.town
    else:
        county, town = data["county"], data["town"]
    subtotal = data.get("subtotal")
    if subtotal is None:
        subtotal = get_cart(Owner(user=user) if user is not None else Owner(guest_token=guest_token)).subtotal
    return quote(county, town, subtotal, data.get("delivery_zone_id"))
