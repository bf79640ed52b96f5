"""A wallet as the ledger has it: its balance, its transactions, and admins' adjustments."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from flask import current_app

from app.auth.models import User
from app.common.days import day_range
from app.common.pagination import page_meta
from app.extensions import db
from app.ledger import chart
from app.ledger.chart import Account, WalletBucket
from app.ledger.services import balances, credit, debit, locked_balance, post
from app.ledger.statements import statement
from app.notifications.inbox import Kind, notify
from app.wallet.errors import InsufficientWallet, WalletNotFound


def wallet_accounts(user_id: int) -> list[Account]:
    """A wallet's accounts, in the transactions' column order."""
    return [chart.wallet(user_id, bucket) for bucket in WalletBucket]


def balance_of(user: User) -> dict[str, Any]:
    """The caller's wallet: what it may spend or withdraw, what orders hold, what withdrawals
    have claimed."""
    accounts = wallet_accounts(user.id)
    held = balances(accounts)
    available, on_hold, in_payout = (held[a.code] for a in accounts)
    return {
        "currency": current_app.config["STORE_CURRENCY"],
        "balance": available,
        "held": on_hold,
        "in_withdrawal": in_payout,
    }


def transactions_of(user: User, query: dict[str, Any]) -> dict[str, Any]:
    """A page of the caller's wallet transactions, oldest first as a statement is: each with its
    kind (top_up, adjustment...), what it did to the balance (and to what is held or being
    withdrawn) and the wallet's total after it."""
    accounts = wallet_accounts(user.id)
    since, until = day_range(query.get("since"), query.get("until"))
    lines, total = statement(accounts, since, until, page=query["page"], per_page=query["per_page"])
    items = []
    for line in lines:
        available, on_hold, in_payout = (line.moves[a.code] for a in accounts)
        items.append(
            {
                "id": line.entry_id,
                "created_at": line.created_at,
                "kind": line.kind,
                "reference": line.reference,
                "memo": line.memo,
                "amount": available,
                "held": on_hold,
                "in_withdrawal": in_payout,
                "balance": line.balance,
            }
        )
    return {"items": items, "meta": page_meta(query["page"], query["per_page"], total)}


def adjust(admin: User, user_id: int, amount: Decimal, reason: str) -> dict[str, Any]:
    """An admin credits a wallet (goodwill) or takes from it (a correction), with a reason: an
    entry like any other, against the shop's wallet adjustments. A wallet never goes below zero
    (409 `insufficient_wallet`); the customer is told."""
    customer = db.session.get(User, user_id)
    if customer is None or customer.deleted_at is not None:
        raise WalletNotFound("No such wallet.")
    wallet = chart.wallet(user_id)
    if amount < 0:
        available = locked_balance(wallet)
        if available + amount < 0:
            raise InsufficientWallet(f"The wallet holds KES {available}.", balance=str(available))
    key = f"adjustment:{uuid.uuid4().hex}"
    post(
        key,
        "adjustment",
        [debit(chart.WALLET_ADJUSTMENTS, amount), credit(wallet, amount)],
        reference=f"ADJ-{key[-8:].upper()}",
        memo=reason[:200],
        actor_id=admin.id,
    )
    verb = "added to" if amount > 0 else "taken from"
    notify(user_id, Kind.WALLET, "Your wallet", f"KES {abs(amount)} {verb} your wallet: {reason}", None)
    return balance_of(customer)
