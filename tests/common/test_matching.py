"""LIKE patterns: wildcards typed by a user match themselves."""

from __future__ import annotations

from app.common.matching import contains_pattern


def test_contains_pattern_escapes_wildcards_and_the_escape():
    assert contains_pattern("phone") == "%phone%"
    assert contains_pattern("100%_a\\b") == "%100\\%\\_a\\\\b%"
