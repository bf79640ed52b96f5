"""What the catalog asks the domains above it (sellers), so that it imports none of them.

`seller_changing_products` is sent, with the store (`Seller`) and the acting user, before a
seller's own listing, change, deactivation or image change of a product (not an admin's): a
receiver that raises refuses it. The sellers domain refuses a seller who has not accepted the
platform terms in effect.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

seller_changing_products = _signals.signal("duka.catalog.seller_changing_products")
