"""The finance report, from the ledger only: sales, what was given back and refunded, commission,
delivery fees, what sellers are owed, payouts, customers' money held, cash by provider, and a
trial balance that sums to zero; every posting of a period as CSV."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from flask import current_app

from app.common.csvs import csv_lines
from app.common.days import day_range
from app.ledger import chart
from app.ledger.reports import CSV_COLUMNS, Standing, movements, postings_rows, standings
from app.ledger.services import ZERO

GIVING_BACK = ("cancellation", "return")
REFUNDING = ("refund", "refund_failed")


def summary(query: dict[str, Any]) -> dict[str, Any]:
    """The report over the days `from`..`to` (flows) and at the end of `to` (balances)."""
    since, until = day_range(query.get("since"), query.get("until"))
    moved = movements(since, until)
    at_end = standings(until)

    def flow(kinds: tuple[str, ...], code: str) -> Decimal:
        """What entries of `kinds` credited `code` in the period (a debit counts negative)."""
        return ZERO - sum((moved.get((kind, code), ZERO) for kind in kinds), ZERO)

    def net(code: str) -> Decimal:
        return ZERO - sum((amount for (_, account), amount in moved.items() if account == code), ZERO)

    def held(match: Any) -> Decimal:
        return sum((s.shown for s in at_end if match(s)), ZERO)

    customer_funds = chart.CUSTOMER_FUNDS.code
    gross = ZERO - flow(("sale", "delivery_fee"), customer_funds)  # debited to owe onward
    given_back = flow(GIVING_BACK, customer_funds)
    refunded = ZERO - sum(  # the cash that went back to customers
        (amount for (kind, code), amount in moved.items() if kind in REFUNDING and code.startswith("cash:")), ZERO
    )
    in_payout = held(lambda s: s.code.endswith(":in_payout"))
    returned_to_balances = sum(
        (amount for (kind, code), amount in moved.items() if kind == "payout_returned" and code.endswith(":available")),
        ZERO,
    )
    return {
        "currency": current_app.config["STORE_CURRENCY"],
        "since": since,
        "until": until,
        "gross_sales": gross,
        "given_back": given_back,
        "net_sales": gross - given_back,
        "refunds": refunded,
        "goodwill": ZERO - net(chart.GOODWILL.code),
        "commission_earned": net(chart.COMMISSION.code),
        "delivery_fees": net(chart.DELIVERY_FEES.code),
        "house_sales": net(chart.HOUSE_SALES.code),
        "sellers": {
            "pending": held(lambda s: s.code.startswith("seller:") and s.code.endswith(":pending")),
            "available": held(lambda s: s.code.startswith("seller:") and s.code.endswith(":available")),
            "in_payout": in_payout,
        },
        "payouts": {
            "paid": flow(("payout_paid",), chart.B2C_FLOAT.code),
            "failed": ZERO - returned_to_balances,
            "unsettled": in_payout,
        },
        "wallet_liability": held(lambda s: s.code.startswith("wallet:")),
        "customer_funds": held(lambda s: s.code == customer_funds),
        "cash": {s.code.removeprefix("cash:"): s.shown for s in at_end if s.code.startswith("cash:")},
        "trial_balance": trial_balance(at_end),
    }


def trial_balance(at_end: list[Standing]) -> dict[str, Any]:
    """Every account's balance as a debit or a credit; the two columns are equal (the ledger's
    postings sum to zero)."""
    rows = [s for s in at_end if s.raw != 0]
    debits = sum((s.raw for s in rows if s.raw > 0), ZERO)
    credits = ZERO - sum((s.raw for s in rows if s.raw < 0), ZERO)
    lines = [
        {
            "account": s.code,
            "kind": s.kind,
            "debit": s.raw if s.raw > 0 else ZERO,
            "credit": -s.raw if s.raw < 0 else ZERO,
        }
        for s in rows
    ]
    return {"lines": lines, "debits": debits, "credits": credits, "balanced": debits == credits}


def entries_csv(query: dict[str, Any]) -> Iterator[str]:
    """Every posting of the period as CSV lines, streamed as they are read."""
    since, until = day_range(query.get("since"), query.get("until"))
    rows = (
        (
            entry_id,
            created_at.isoformat(),
            key,
            kind,
            reference or "",
            order_id or "",
            seller_id or "",
            memo,
            account,
            amount,
        )
        for entry_id, created_at, key, kind, reference, order_id, seller_id, memo, account, amount in postings_rows(
            since, until
        )
    )
    return csv_lines(CSV_COLUMNS, rows)
