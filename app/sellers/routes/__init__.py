"""`/api/v1`: the marketplace's sellers. One blueprint (`blueprint.py`); its routes live in a
module per subject: accounts and stores, terms, seller orders, returns and the dashboard,
commission, balance and statement, payouts. Importing them registers them."""

from __future__ import annotations

from app.sellers.routes import accounts, balance, commission, orders, payouts, returns, terms  # noqa: F401
from app.sellers.routes.blueprint import blp

__all__ = ["blp"]
