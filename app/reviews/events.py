"""Reviews' reactions to other domains' signals."""

from __future__ import annotations

from typing import Any

from app.auth.signals import account_deleted
from app.reviews.services import forget_reviews


@account_deleted.connect
def _forget_reviews(_sender: Any, *, user_id: int, **_: Any) -> None:
    forget_reviews(user_id)
