"""Demo delivery zones (`flask seed-demo`), so a fresh `make run` can take an order end to end."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.extensions import db
from app.orders.models import DeliveryZone

DEMO_ZONES = [
    # name, counties, towns, fee, free from, days
    ("Nairobi Metro", ["Nairobi"], [], "250.00", "5000.00", (0, 1)),
    ("Nairobi Surroundings", ["Kiambu", "Machakos", "Kajiado"], [], "400.00", "8000.00", (1, 2)),
    ("Coast", ["Mombasa", "Kilifi", "Kwale"], [], "600.00", None, (2, 4)),
    ("Western and Nyanza", ["Kisumu", "Kakamega", "Bungoma", "Siaya"], [], "650.00", None, (2, 5)),
    ("Rift Valley towns", ["Nakuru", "Uasin Gishu"], ["nakuru", "naivasha", "eldoret"], "500.00", None, (1, 3)),
]


def seed_zones() -> int:
    """Add the demo zones that are missing (by name); returns how many were added."""
    existing = set(db.session.scalars(select(DeliveryZone.name)))
    added = 0
    for name, counties, towns, fee, free_over, (days_min, days_max) in DEMO_ZONES:
        if name in existing:
            continue
        db.session.add(
            DeliveryZone(
                name=name,
                counties=counties,
                towns=towns,
                fee=Decimal(fee),
                free_over=Decimal(free_over) if free_over else None,
                days_min=days_min,
                days_max=days_max,
            )
        )
        added += 1
    return added
