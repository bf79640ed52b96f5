"""Substring matching with LIKE: user input is escaped, so `%` and `_` match themselves."""

from __future__ import annotations

LIKE_ESCAPE = "\\"


def contains_pattern(term: str) -> str:
    """A LIKE pattern matching `term` anywhere (use with `escape=LIKE_ESCAPE`)."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
