"""The one money type: `Decimal` in Python, integer minor units in the database, a string on the wire.

Floats never appear: JSON carries "1499.00", the database an exact BIGINT of cents, and
conversion to a provider's unit happens only in that provider's module.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from marshmallow import ValidationError, fields
from sqlalchemy import BigInteger
from sqlalchemy.types import TypeDecorator

CENT = Decimal("0.01")
MINOR_UNITS = 100  # KES, USD, EUR: two decimal places
MAX_AMOUNT = Decimal("999999999999.99")


def to_money(value: Any) -> Decimal:
    """A Decimal rounded to cents; raises ValueError on anything that is not a finite amount."""
    if isinstance(value, float):
        raise ValueError("money must not be a float")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError("not a finite amount")
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def to_minor_units(value: Any) -> int:
    """An amount as an integer of minor units (cents): what the database stores."""
    return int(to_money(value) * MINOR_UNITS)


def from_minor_units(value: int | None) -> Decimal | None:
    """Minor units (cents) from the database as a Decimal amount."""
    if value is None:
        return None
    return (Decimal(value) / MINOR_UNITS).quantize(CENT)


class Money(TypeDecorator):
    """A money column: Decimal in Python, BIGINT minor units in the database (exact everywhere)."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> int | None:
        if value is None:
            return None
        return to_minor_units(value)

    def process_result_value(self, value: int | None, dialect: Any) -> Decimal | None:
        return from_minor_units(value)


class MoneyField(fields.Decimal):
    """Money on the wire: a string with two decimals ("1499.00"); accepts "1499", "1499.5", 1499."""

    def __init__(self, *, positive: bool = True, signed: bool = False, **kwargs: Any) -> None:
        # `signed`: below zero too (a balance carried negative, a statement's debit).
        self.positive = positive and not signed
        self.signed = signed
        pattern = r"^-?\d{1,12}(\.\d{1,2})?$" if signed else r"^\d{1,12}(\.\d{1,2})?$"
        metadata = {"example": "1499.00", "type": "string", "pattern": pattern}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(places=2, as_string=True, metadata=metadata, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Decimal:
        if isinstance(value, (float, bool)):
            raise ValidationError('Send amounts as strings, e.g. "1499.00".')
        if not isinstance(value, (str, int)):
            raise ValidationError("Not a valid amount.")
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValidationError("Not a valid amount.") from None
        if not amount.is_finite():
            raise ValidationError("Not a valid amount.")
        if abs(amount) > MAX_AMOUNT:  # before quantize, which overflows on huge exponents
            raise ValidationError("Amount too large.")
        if amount != amount.quantize(CENT, rounding=ROUND_HALF_UP):
            raise ValidationError("At most two decimal places.")
        if self.positive and amount <= 0:
            raise ValidationError("Must be greater than 0.")
        if amount < 0 and not self.signed:
            raise ValidationError("Must not be negative.")
        return to_money(amount)
