"""CSV downloads, streamed: a header, then one line per row as it is read, so a year of rows
never sits in memory; text cells a spreadsheet would run as a formula are quoted first."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """Text that starts like a formula (=, +, -, @) gets a leading quote: a memo quoting what a
    customer typed must not run in the accountant's spreadsheet."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """The header line, then each row's line; text cells made spreadsheet-safe (send amounts as
    Decimal, not text: "-2100.00" is a number, and must stay one)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(cells: Sequence[Any]) -> str:
        writer.writerow([spreadsheet_safe(cell) if isinstance(cell, str) else cell for cell in cells])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(header)
    for row in rows:
        yield line(row)
