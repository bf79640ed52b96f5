"""Commission: the rates admins set, which one applies to an order line, and the amount frozen
at checkout.

The most specific rate wins: the product's, then the nearest category's up the tree, then the
seller's, then the default. A target has at most one rate (a unique constraint on scope and
target), and the scopes are ranked, so no two rates can tie. Amounts are exact: a percentage is
the line total times basis points over 10,000, half up to the cent; a fixed rate is its amount
per unit; then the rate's minimum and maximum per line; never more than the line itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import or_, select

from app.catalog.errors import CategoryNotFound, ProductNotFound, SellerNotFound
from app.catalog.models import Category, Product, Seller
from app.catalog.services.categories import ancestry
from app.catalog.services.managing import owned_product
from app.common.pagination import paginate
from app.errors import ValidationFailed
from app.extensions import db
from app.sellers.errors import CommissionRateExists, CommissionRateNotFound
from app.sellers.models import CommissionRate

CENT = Decimal("0.01")
SCOPES = ("product", "category", "seller", "default")


@dataclass(frozen=True, slots=True)
class LineFacts:
    """What decides an order line's commission."""

    product_id: int
    category_id: int
    seller_id: int
    quantity: int
    line_total: Decimal


@dataclass(frozen=True, slots=True)
class Commission:
    rate: CommissionRate | None
    amount: Decimal


def amount_of(rate: CommissionRate | None, quantity: int, line_total: Decimal) -> Decimal:
    """The commission of a line under `rate` (0 without one)."""
    if rate is None:
        return Decimal("0.00")
    if rate.kind == "percentage":
        raw = (line_total * Decimal(rate.rate_bps or 0) / Decimal(10_000)).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        raw = (rate.amount or Decimal(0)) * quantity
    if rate.min_amount is not None:
        raw = max(raw, rate.min_amount)
    if rate.max_amount is not None:
        raw = min(raw, rate.max_amount)
    return min(raw, line_total).quantize(CENT)


def commissions(lines: Iterable[LineFacts]) -> list[Commission]:
    """Each line's winning rate and amount, in order: one query for every rate that could apply."""
    lines = list(lines)
    paths = ancestry({line.category_id for line in lines})
    category_ids = {cid for path in paths.values() for cid in path}
    products = {line.product_id for line in lines}
    sellers = {line.seller_id for line in lines}
    found = db.session.scalars(
        select(CommissionRate).where(
            or_(
                (CommissionRate.scope == "product") & CommissionRate.target_id.in_(products),
                (CommissionRate.scope == "category") & CommissionRate.target_id.in_(category_ids),
                (CommissionRate.scope == "seller") & CommissionRate.target_id.in_(sellers),
                CommissionRate.scope == "default",
            )
        )
    ).all()
    by_target = {(rate.scope, rate.target_id): rate for rate in found}
    result = []
    for line in lines:
        rate = (
            by_target.get(("product", line.product_id))
            or next((by_target[("category", c)] for c in paths[line.category_id] if ("category", c) in by_target), None)
            or by_target.get(("seller", line.seller_id))
            or by_target.get(("default", 0))
        )
        result.append(Commission(rate, amount_of(rate, line.quantity, line.line_total)))
    return result


def with_commission(products: list[Any]) -> list[Any]:
    """The products, each with `commission`: the rate that would apply to it now (the most
    specific, as at checkout) and what it keeps of one unit at today's price. What sellers and
    admins see of a product's commission; an order freezes its own at checkout."""
    if not products:
        return products
    frozen = commissions(LineFacts(p.id, p.category_id, p.seller_id, 1, p.price) for p in products)
    for product, found in zip(products, frozen, strict=True):
        product.commission = {"rate": found.rate, "per_unit": found.amount}
    return products


def product_commission(actor: Any, product_id: int) -> Any:
    """One product the actor manages (its seller's, any for an admin), with its commission."""
    return with_commission([owned_product(actor, product_id)])[0]


# Admins' rates ------------------------------------------------------------------------------------


def list_rates(query: dict[str, Any]) -> dict[str, Any]:
    stmt = select(CommissionRate).order_by(CommissionRate.scope, CommissionRate.target_id, CommissionRate.id)
    if query.get("scope"):
        stmt = stmt.where(CommissionRate.scope == query["scope"])
    return paginate(stmt, query["page"], query["per_page"])


def get_rate(rate_id: int) -> CommissionRate:
    rate = db.session.get(CommissionRate, rate_id)
    if rate is None:
        raise CommissionRateNotFound("No such commission rate.")
    return rate


def _check_target(scope: str, target_id: int | None) -> int:
    if scope == "default":
        return 0
    if target_id is None:
        raise ValidationFailed.field("target_id", f"A {scope} rate names its {scope}.")
    model, error = {
        "product": (Product, ProductNotFound),
        "category": (Category, CategoryNotFound),
        "seller": (Seller, SellerNotFound),
    }[scope]
    if db.session.get(model, target_id) is None:
        raise ValidationFailed.field("target_id", str(error.title) + ".")
    return target_id


def _check_shape(rate: CommissionRate) -> None:
    if rate.kind == "percentage":
        if rate.rate_bps is None:
            raise ValidationFailed.field("rate_bps", "A percentage rate gives rate_bps.")
        rate.amount = None
    else:
        if rate.amount is None:
            raise ValidationFailed.field("amount", "A fixed rate gives its amount per unit.")
        rate.rate_bps = None
    if rate.min_amount is not None and rate.max_amount is not None and rate.min_amount > rate.max_amount:
        raise ValidationFailed.field("max_amount", "Must not be less than min_amount.")


def create_rate(data: dict[str, Any]) -> CommissionRate:
    """A rate for a product, a category, a seller or the default; one per target (409)."""
    target_id = _check_target(data["scope"], data.get("target_id"))
    taken = db.session.scalar(
        select(CommissionRate.id).where(CommissionRate.scope == data["scope"], CommissionRate.target_id == target_id)
    )
    if taken is not None:
        raise CommissionRateExists("This target has a rate already: change it instead.", rate_id=taken)
    rate = CommissionRate(**{**data, "target_id": target_id})
    _check_shape(rate)
    db.session.add(rate)
    return rate


def update_rate(rate_id: int, data: dict[str, Any]) -> CommissionRate:
    """Change a rate. Orders placed before keep the commission frozen at their checkout."""
    rate = get_rate(rate_id)
    for name, value in data.items():
        setattr(rate, name, value)
    _check_shape(rate)
    return rate


def delete_rate(rate_id: int) -> None:
    db.session.delete(get_rate(rate_id))
