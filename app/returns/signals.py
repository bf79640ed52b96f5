"""What returns tell the domains beside them, so that returns imports none of them.

Both are sent inside the returns unit of work with the return request and `lines`, a mapping of
order line id to the units the return holds: `return_requested` when a customer asks (sellers
tell the sellers whose lines it touches), `return_refunded` when its refund is about to be made,
with the `amount` refunded and the `delivery_fee` that amount may include (sellers reverse the
commission frozen on those units, pro rata by quantity, and give back the units' worth in the
ledger, from which the refund is then drawn). A receiver that raises
undoes the change.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

return_requested = _signals.signal("duka.returns.requested")
return_refunded = _signals.signal("duka.returns.refunded")
