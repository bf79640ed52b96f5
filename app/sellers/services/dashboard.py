"""A seller's dashboard: its sales over a period against the period before, what is open, its
returns, rating, low stock and best sellers, each one aggregate query over its own rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from app.auth.models import User
from app.catalog.models import Product
from app.catalog.services.sellers import my_store, store_page
from app.common.types import utcnow
from app.extensions import db
from app.orders.models import OrderLine
from app.returns.periods import PERIODS
from app.returns.services import return_stats
from app.sellers.models import SellerOrder
from app.sellers.status import SellerOrderStatus

SO = SellerOrderStatus
# A part counts as a sale once it is the seller's to fulfil (paid, or cash on delivery).
SOLD = (SO.TO_FULFIL.value, SO.PACKED.value, SO.SHIPPED.value, SO.DELIVERED.value, SO.RETURNED.value)
OPEN = (SO.AWAITING_PAYMENT, SO.TO_FULFIL, SO.PACKED, SO.SHIPPED)
ZERO = Decimal("0.00")


def _sales(seller_id: int, since: datetime, until: datetime) -> dict[str, Any]:
    """One aggregate over the seller's parts of the period (index: seller, created_at)."""
    orders, units, gross, commission, net = db.session.execute(
        select(
            func.count(SellerOrder.id),
            func.coalesce(func.sum(SellerOrder.units), 0),
            func.coalesce(func.sum(SellerOrder.subtotal), ZERO),
            func.coalesce(func.sum(SellerOrder.commission), ZERO),
            func.coalesce(func.sum(SellerOrder.net), ZERO),
        ).where(
            SellerOrder.seller_id == seller_id,
            SellerOrder.created_at >= since,
            SellerOrder.created_at < until,
            SellerOrder.status.in_(SOLD),
        )
    ).one()
    return {
        "orders": int(orders),
        "units": int(units or 0),
        "gross": Decimal(gross),
        "commission": Decimal(commission),
        "net": Decimal(net),
    }


def _top_products(seller_id: int, since: datetime, until: datetime, limit: int = 5) -> list[dict[str, Any]]:
    rows = db.session.execute(
        select(
            OrderLine.product_id,
            func.max(OrderLine.name),
            func.sum(OrderLine.quantity).label("units"),
            func.sum(OrderLine.line_total),
        )
        .join(
            SellerOrder, (SellerOrder.order_id == OrderLine.order_id) & (SellerOrder.seller_id == OrderLine.seller_id)
        )
        .where(
            SellerOrder.seller_id == seller_id,
            SellerOrder.created_at >= since,
            SellerOrder.created_at < until,
            SellerOrder.status.in_(SOLD),
            OrderLine.cancelled_at.is_(None),
        )
        .group_by(OrderLine.product_id)
        .order_by(func.sum(OrderLine.quantity).desc(), OrderLine.product_id)
        .limit(limit)
    ).all()
    return [{"product_id": pid, "name": name, "units": int(units), "gross": gross} for pid, name, units, gross in rows]


def dashboard(user: User, period: str) -> dict[str, Any]:
    """The caller's store over the last `period` (7d, 30d, 90d): sales (orders, units, gross,
    commission, net; a part counts once it is to fulfil) and the same for the period before,
    open parts by status (now), returns and the return rate, the rating over its products, its
    active products at or under their own low-stock threshold (or SELLER_LOW_STOCK_THRESHOLD),
    and its five best sellers by units."""
    seller = my_store(user)
    until = utcnow()
    length = timedelta(days=PERIODS[period])
    since = until - length
    open_counts = dict(
        db.session.execute(
            select(SellerOrder.status, func.count())
            .where(SellerOrder.seller_id == seller.id, SellerOrder.status.in_([s.value for s in OPEN]))
            .group_by(SellerOrder.status)
        )
        .tuples()
        .all()
    )
    threshold = current_app.config["SELLER_LOW_STOCK_THRESHOLD"]
    own = func.coalesce(Product.low_stock_threshold, threshold)
    low = db.session.execute(
        select(Product.id, Product.name, Product.stock, own)
        .where(Product.seller_id == seller.id, Product.is_active, Product.stock <= own)
        .order_by(Product.stock, Product.id)
        .limit(20)
    ).all()
    sales = _sales(seller.id, since, until)
    returns = return_stats(period, seller_id=seller.id, now=until, units_sold=sales["units"])
    page = store_page(seller.slug)
    return {
        "period": period,
        "since": since,
        "until": until,
        "sales": sales,
        "previous": _sales(seller.id, since - length, since),
        "open": {status.value: int(open_counts.get(status.value, 0)) for status in OPEN},
        "returns": {key: returns[key] for key in ("returns", "units_returned", "units_sold", "return_rate")},
        "rating": {"average": page.rating_average, "count": page.rating_count},
        "low_stock_threshold": threshold,
        "low_stock": [{"id": pid, "name": name, "stock": stock, "threshold": limit} for pid, name, stock, limit in low],
        "top_products": _top_products(seller.id, since, until),
    }


def units_sold(seller_id: int, period: str) -> int:
    """The units the seller sold over the last `period` (its parts once to fulfil)."""
    until = utcnow()
    return int(_sales(seller_id, until - timedelta(days=PERIODS[period]), until)["units"])
