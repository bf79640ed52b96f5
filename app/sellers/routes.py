"""`/api/v1/sellers`: sellers' public store pages."""

from __future__ import annotations

from typing import Any

from app.catalog.services.sellers import store_page
from app.common.blueprint import Blueprint
from app.common.http import conditional
from app.common.reads import read_only
from app.sellers.schemas import StorePageOut

blp = Blueprint("sellers", __name__, url_prefix="/api/v1/sellers", description="The marketplace's sellers")


@blp.get("/<slug>")
@conditional
@blp.response(200, StorePageOut)
@blp.doc(operationId="getSeller")
@read_only
def get_seller(slug: str) -> Any:
    """A seller's store page.

    Name, about, logo, member since, products on sale and the rating over their reviews; the
    products themselves are `GET /products?seller={slug}`. An unknown slug is 404
    `seller_not_found`.
    """
    return store_page(slug)
