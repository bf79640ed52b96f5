"""Products' ratings as the reviews domain keeps them (and the count of answered questions the
questions domain keeps): the catalog stores the aggregates its cards, pages and `rating` sort read;
reviews and questions own what they are computed from."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select, update

from app.catalog.errors import ProductNotFound
from app.catalog.models import Product
from app.catalog.services.offers import offers
from app.catalog.services.search import copy_sort_keys
from app.extensions import db


def reviewable_product(product_id: int) -> None:
    """404 unless the product is on sale (a withdrawn product's page and reviews are gone alike)."""
    offer = offers([product_id]).get(product_id)
    if offer is None or not offer.on_sale:
        raise ProductNotFound("No such product.")


def lock_rating(product_id: int) -> None:
    """Lock the product's row until the transaction ends: the aggregate is computed and written
    under it, so two reviews of one product at once are counted one after the other."""
    db.session.execute(select(Product.id).where(Product.id == product_id).with_for_update())


def average_rating(count: int, total: int) -> Decimal:
    """The average of `count` ratings summing to `total`, to the cent, half up (0 for none)."""
    return (Decimal(total) / count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if count else Decimal("0.00")


def set_rating(product_id: int, count: int, total: int) -> None:
    """Store the aggregate of `count` ratings summing to `total` (and its copy in the search terms)."""
    average = average_rating(count, total)
    db.session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(rating_average=average, rating_count=count)
        .execution_options(synchronize_session=False)
    )
    copy_sort_keys(Product.id == product_id)  # a search sorted by rating reads the terms' copy


def set_answered_questions(product_id: int, count: int) -> None:
    """Store how many of the product's visible questions are answered (its page shows it)."""
    db.session.execute(
        update(Product)
        .where(Product.id == product_id)
        .values(answered_questions=count)
        .execution_options(synchronize_session=False)
    )
