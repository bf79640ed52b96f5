"""The money type: exact in the database, strings on the wire, never a float."""

from __future__ import annotations

from decimal import Decimal

import pytest
from marshmallow import Schema, ValidationError

from app.common.money import Money, MoneyField, to_money


class AmountSchema(Schema):
    amount = MoneyField()


@pytest.mark.parametrize(
    "raw,expected", [("1499", "1499.00"), ("1499.5", "1499.50"), (1499, "1499.00"), ("0.01", "0.01")]
)
def test_money_field_loads_and_dumps_strings(raw, expected):
    loaded = AmountSchema().load({"amount": raw})["amount"]
    assert loaded == Decimal(expected)
    assert AmountSchema().dump({"amount": loaded}) == {"amount": expected}


@pytest.mark.parametrize(
    "raw", [12.5, True, "1.001", "-1", "0", "abc", "NaN", "Infinity", "1e1000", "1000000000000", None, [1]]
)
def test_money_field_rejects(raw):
    with pytest.raises(ValidationError):
        AmountSchema().load({"amount": raw})


def test_column_type_stores_minor_units():
    column = Money()
    assert column.process_bind_param(Decimal("1499.99"), None) == 149999
    assert column.process_result_value(149999, None) == Decimal("1499.99")
    assert column.process_bind_param(None, None) is None


def test_to_money_refuses_floats():
    with pytest.raises(ValueError):
        to_money(0.1)
    assert to_money("2.005") == Decimal("2.01")
