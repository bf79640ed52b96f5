"""What payouts ask of the domains that pay through them (sellers, the wallet).

`payee_wanted` is a question, sent with a failed payout an admin retries: the receiver that owns
its payee (`payout.payee`) answers with the `Payee` as it is now (its current payout number, a
new number's hold), so a retry goes where the payee now wants it. No answer: the payee is gone.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

payee_wanted = _signals.signal("duka.payouts.payee_wanted")
