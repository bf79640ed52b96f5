"""What orders tell the domains above them (payments, returns), so that orders import neither.

`order_cancelled` is sent inside the cancelling unit of work with the order and `previous`,
the status it left: a paid order cancelled needs a refund, which the payments domain starts
by connecting a receiver here. A receiver that raises cancels the cancellation.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

order_cancelled = _signals.signal("duka.orders.cancelled")
