"""The cart's reactions to other domains' signals."""

from __future__ import annotations

from typing import Any

from app.auth.models import User
from app.auth.signals import account_deleted, signed_in
from app.cart.lifecycle import forget_carts, merge_guest_cart


@signed_in.connect
def _merge_guest_cart(user: User, *, cart_token: str | None = None, **_: Any) -> None:
    merge_guest_cart(user, cart_token)


@account_deleted.connect
def _forget_carts(_sender: Any, *, user_id: int, **_: Any) -> None:
    forget_carts(user_id)
