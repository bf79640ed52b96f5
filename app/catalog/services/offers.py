"""Products as the cart and checkout see them: what is on sale, at what price, how many left.

The cart and orders domains read products through this module, never the catalog's tables.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import Select, and_, bindparam, select

from app.catalog.models import Category, Product, ProductImage
from app.catalog.services.products import CardImage
from app.common.reads import rows


@dataclass(slots=True)
class Offer:
    """A product as a buyer meets it. `on_sale` is false for a withdrawn product (deactivated,
    or in a hidden category): it stays readable in a cart, but cannot be bought."""

    id: int
    name: str
    slug: str
    sku: str
    seller_id: int
    price: Decimal
    currency: str
    stock: int
    on_sale: bool
    image: CardImage | None

    @property
    def in_stock(self) -> bool:
        return self.on_sale and self.stock > 0


@lru_cache(maxsize=1)
def _offers_statement() -> Select:
    return (
        select(
            Product.id,
            Product.name,
            Product.slug,
            Product.sku,
            Product.seller_id,
            Product.price,
            Product.currency,
            Product.stock,
            and_(Product.is_active, Category.is_visible).label("on_sale"),
            ProductImage.path,
            ProductImage.thumbnail_path,
            ProductImage.alt,
        )
        .join(Category, Category.id == Product.category_id)
        .outerjoin(ProductImage, and_(ProductImage.product_id == Product.id, ProductImage.is_primary))
        .where(Product.id.in_(bindparam("ids", expanding=True)))
    )


def offers(product_ids: Collection[int]) -> dict[int, Offer]:
    """The offers of `product_ids` that exist, withdrawn ones included, by product id."""
    if not product_ids:
        return {}
    found = rows(_offers_statement(), {"ids": list(product_ids)})
    return {
        pid: Offer(
            pid,
            name,
            slug,
            sku,
            seller,
            price,
            currency,
            stock,
            bool(on_sale),
            CardImage(path, thumb, alt) if path is not None else None,
        )
        for pid, name, slug, sku, seller, price, currency, stock, on_sale, path, thumb, alt in found
    }


def offer(product_id: int) -> Offer | None:
    """One product's offer, or None when there is no such product."""
    return offers([product_id]).get(product_id)
