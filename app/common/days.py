"""Periods given as days: `from` and `to` dates (UTC, both included) as a half-open range of
instants, the shape every period query of the ledger and the reports takes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def day_range(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """[start of `since`, start of the day after `until`), either end open when not given."""
    start = datetime.combine(since, time.min, UTC) if since else None
    end = datetime.combine(until + timedelta(days=1), time.min, UTC) if until else None
    return start, end
