"""The chart of accounts: which accounts exist, named by code. An account is made the first
time something is posted to it (README, "Money: the ledger", lists them and what moves them)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class AccountKind(enum.StrEnum):
    ASSET = "asset"  # what the shop holds: its cash at each provider
    LIABILITY = "liability"  # what it owes: sellers, customers, wallets
    REVENUE = "revenue"  # what it earned: commission, delivery fees, its own sales
    EXPENSE = "expense"  # what it gave away: refunds beyond what was owed


# Assets and expenses grow by debits, the others by credits: a balance is shown on its own side.
DEBIT_NORMAL = frozenset({AccountKind.ASSET, AccountKind.EXPENSE})


class SellerBucket(enum.StrEnum):
    PENDING = "pending"  # earned on a paid order, not yet past its return window
    AVAILABLE = "available"  # may be paid out (negative: a refund after a payout, carried)
    IN_PAYOUT = "in_payout"  # claimed by a payout that is not yet paid or failed


@dataclass(frozen=True)
class Account:
    """An account by its code; the ledger makes its row the first time it is posted to."""

    code: str
    kind: AccountKind
    name: str
    owner_type: str | None = None
    owner_id: int | None = None

    @property
    def debit_normal(self) -> bool:
        return self.kind in DEBIT_NORMAL


def cash(provider: str) -> Account:
    """The shop's money held at a provider (M-Pesa paybill, Paystack, PayPal) or as cash."""
    return Account(f"cash:{provider}", AccountKind.ASSET, f"Cash at {provider}")


# Payouts leave from the B2C shortcode's utility account, not the paybill customers pay into.
B2C_FLOAT = Account("cash:mpesa-b2c", AccountKind.ASSET, "M-Pesa B2C utility account (payouts)")
CUSTOMER_FUNDS = Account(
    "customer-funds",
    AccountKind.LIABILITY,
    "Customers' money received and not yet owed onward, or owed back (per order)",
)
COMMISSION = Account("revenue:commission", AccountKind.REVENUE, "Commission on sellers' sales")
DELIVERY_FEES = Account("revenue:delivery", AccountKind.REVENUE, "Delivery fees")
HOUSE_SALES = Account("revenue:sales", AccountKind.REVENUE, "The shop's own sales (house seller)")
GOODWILL = Account("expense:refunds", AccountKind.EXPENSE, "Refunds beyond what an order owed back")
# Providers take what they can: M-Pesa whole shillings, PayPal cents of USD. What a payment
# brings in above the order's amount, or a refund pays above or below what was owed: rounding.
ROUNDING = Account("expense:rounding", AccountKind.EXPENSE, "Rounding to what providers take (whole shillings, cents)")


def seller(seller_id: int, bucket: SellerBucket) -> Account:
    """What the shop owes a seller (a store, `sellers.id`), by how far it has come."""
    return Account(
        f"seller:{seller_id}:{bucket.value}",
        AccountKind.LIABILITY,
        f"Seller {seller_id}: {bucket.value.replace('_', ' ')}",
        "seller",
        seller_id,
    )


class WalletBucket(enum.StrEnum):
    AVAILABLE = "available"  # may be spent or withdrawn
    HELD = "held"  # set aside for an order's payment not yet made
    IN_PAYOUT = "in_payout"  # claimed by a withdrawal not yet paid or failed


def wallet(user_id: int, bucket: WalletBucket = WalletBucket.AVAILABLE) -> Account:
    """What the shop owes a customer as store credit."""
    code = f"wallet:{user_id}" if bucket is WalletBucket.AVAILABLE else f"wallet:{user_id}:{bucket.value}"
    return Account(
        code, AccountKind.LIABILITY, f"Wallet of user {user_id}: {bucket.value.replace('_', ' ')}", "user", user_id
    )


WALLET_ADJUSTMENTS = Account(
    "expense:wallet-adjustments", AccountKind.EXPENSE, "Admins' wallet credits and corrections"
)
