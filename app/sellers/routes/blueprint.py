"""The sellers' one blueprint, which every route module of theirs registers on."""

from __future__ import annotations

from app.common.blueprint import Blueprint

blp = Blueprint("sellers", __name__, url_prefix="/api/v1", description="The marketplace's sellers")
