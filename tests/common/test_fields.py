"""Shared marshmallow fields."""

from __future__ import annotations

import pytest

from app.common.fields import normalise_ke_phone


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("0712345678", "+254712345678"),
        ("0112345678", "+254112345678"),
        ("254712345678", "+254712345678"),
        ("+254712345678", "+254712345678"),
        ("+254 712-345-678", "+254712345678"),
        ("(0712) 345 678", "+254712345678"),
    ],
)
def test_kenyan_numbers_normalise_to_e164(raw, expected):
    assert normalise_ke_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "0812345678", "071234567", "07123456789", "+1 415 555 0100", "+2557123456789", "abc"]
)
def test_garbage_numbers_are_rejected(raw):
    with pytest.raises(ValueError):
        normalise_ke_phone(raw)
