"""What auth tells the domains above it, so that it never imports them.

`signed_in` is sent inside the sign-up or login unit of work, once the account is known good,
with `user` and `cart_token` (the guest cart the client held, from `X-Cart-Token`, or None): the
cart domain merges that guest cart into the account's (app/cart/events.py).

`account_deleted` is sent inside the deletion's unit of work with `user_id`: each domain drops
what it holds of the person (the cart goes; orders stay, anonymous).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

signed_in = _signals.signal("duka.auth.signed-in")
account_deleted = _signals.signal("duka.auth.account-deleted")
