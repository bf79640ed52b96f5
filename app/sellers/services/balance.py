"""A seller's money as the ledger has it: its balances, lifetime figures and statement."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import current_app

from app.auth.models import User
from app.catalog.services.sellers import my_store
from app.common.csvs import csv_lines
from app.common.days import day_range
from app.common.pagination import page_meta
from app.ledger import chart
from app.ledger.chart import Account, SellerBucket
from app.ledger.services import ZERO, balances, totals_by_kind
from app.ledger.statements import StatementLine, statement, statement_rows

EARNING = ("sale", "cancellation", "return")  # the kinds of entry that make or unmake earnings


def seller_accounts(seller_id: int) -> list[Account]:
    """A seller's accounts, in the statement's column order."""
    return [chart.seller(seller_id, bucket) for bucket in SellerBucket]


def balance_of(user: User) -> dict[str, Any]:
    """The caller's store's balances: pending (earned, inside its return window), available (may
    be paid out; below zero when refunds came after a payout), in payout, the negative carry
    later earnings must cover first, and lifetime earnings (net of commission and of what was
    given back) and commission."""
    store = my_store(user)
    accounts = seller_accounts(store.id)
    held = balances(accounts)
    pending, available, in_payout = (held[account.code] for account in accounts)
    earned = totals_by_kind(accounts, seller_id=store.id)
    commission = totals_by_kind([chart.COMMISSION], seller_id=store.id)
    return {
        "currency": current_app.config["STORE_CURRENCY"],
        "pending": pending,
        "available": available,
        "in_payout": in_payout,
        "negative_carry": max(-available, ZERO),
        "lifetime_earned": ZERO - sum((earned.get(kind, ZERO) for kind in EARNING), ZERO),
        "lifetime_commission": ZERO - sum(commission.values(), ZERO),
    }


def _period(query: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """`from` and `to` are days (UTC), both included."""
    return day_range(query.get("since"), query.get("until"))


def _item(line: StatementLine, accounts: list[Account]) -> dict[str, Any]:
    pending, available, in_payout = (line.moves[account.code] for account in accounts)
    return {
        "id": line.entry_id,
        "created_at": line.created_at,
        "kind": line.kind,
        "reference": line.reference,
        "memo": line.memo,
        "amount": line.amount,
        "pending": pending,
        "available": available,
        "in_payout": in_payout,
        "balance": line.balance,
    }


def statement_of(user: User, query: dict[str, Any]) -> dict[str, Any]:
    """A page of the caller's store's statement: every posting to its balances in the period,
    oldest first, with what it did to each balance and the store's total after it."""
    store = my_store(user)
    accounts = seller_accounts(store.id)
    since, until = _period(query)
    lines, total = statement(accounts, since, until, page=query["page"], per_page=query["per_page"])
    return {
        "items": [_item(line, accounts) for line in lines],
        "meta": page_meta(query["page"], query["per_page"], total),
    }


CSV_COLUMNS = ("date", "kind", "reference", "memo", "amount", "pending", "available", "in_payout", "balance")


def statement_csv(user: User, query: dict[str, Any]) -> Iterator[str]:
    """The same statement as CSV lines, all of the period, streamed row by row."""
    store = my_store(user)
    accounts = seller_accounts(store.id)
    since, until = _period(query)

    def rows() -> Iterator[list[Any]]:
        for line in statement_rows(accounts, since, until):
            item = _item(line, accounts)
            yield [
                line.created_at.isoformat(),
                item["kind"],
                item["reference"] or "",
                item["memo"],
                *(item[name] for name in ("amount", "pending", "available", "in_payout", "balance")),
            ]

    return csv_lines(CSV_COLUMNS, rows())
