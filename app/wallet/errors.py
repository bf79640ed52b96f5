"""The wallet's errors."""

from __future__ import annotations

from app.errors import Conflict, NotFound


class TopUpNotFound(NotFound):
    code, title = "top_up_not_found", "Top-up not found"


class InsufficientWallet(Conflict):
    code, title = "insufficient_wallet", "Not enough in the wallet"


class WalletNotFound(NotFound):
    code, title = "wallet_not_found", "Wallet not found"
