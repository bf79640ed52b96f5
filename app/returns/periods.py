"""The periods statistics are asked over, by name."""

from __future__ import annotations

PERIODS: dict[str, int] = {"7d": 7, "30d": 30, "90d": 90}  # name -> days
