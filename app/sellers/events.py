"""Sellers' answers to the catalog's questions."""

from __future__ import annotations

from typing import Any

from app.catalog.signals import seller_changing_products
from app.sellers.services.terms import require_accepted


@seller_changing_products.connect
def _terms_accepted(seller: Any, **_: Any) -> None:
    require_accepted(seller.id)
