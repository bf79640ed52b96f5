"""What orders tell the domains above them (payments, returns), and ask of them, so that orders
import neither.

`order_cancelled` is sent inside the cancelling unit of work with the order and `previous`,
the status it left: a paid order cancelled needs a refund, which the payments domain starts
by connecting a receiver here. A receiver that raises cancels the cancellation.

`order_placed` is sent inside checkout's unit of work with the new order (its lines flushed):
the sellers domain splits it into seller orders and freezes their commission there, so checkout
stays one transaction. `order_status_changed` is sent with every move of an order's status
(`previous`, `actor`), in the moving unit of work: seller orders follow their order.

`order_paid` is sent with the order when its payment is received (a provider's success, or an
admin confirming cash on delivery), once per order, in the paying unit of work: the sellers
domain posts the sale to the ledger (what each seller earned, the commission, the delivery fee).

`order_spends_wallet` is sent right after `order_placed` with an order part or all of which the
customer's wallet pays (`wallet_amount`): the payments domain holds that much of the wallet (a
receiver that raises, the wallet holding less, refuses the checkout) and, when the wallet pays
it all, pays the order.

`payment_methods_offered` is a question: checkout sends it and each receiver answers with the
payment methods it can take now (payments: those whose provider is configured), so an order is
never placed for a method nobody can take.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

order_cancelled = _signals.signal("duka.orders.cancelled")
payment_methods_offered = _signals.signal("duka.orders.payment_methods_offered")
order_placed = _signals.signal("duka.orders.placed")
order_status_changed = _signals.signal("duka.orders.status_changed")
order_paid = _signals.signal("duka.orders.paid")
order_spends_wallet = _signals.signal("duka.orders.spends_wallet")
