"""The stock helper: all or nothing, never below zero, shortages named (PostgreSQL concurrency
in test_concurrency.py)."""

from __future__ import annotations

import pytest

from app.catalog.errors import InsufficientStock
from app.catalog.services.stock import give_back_stock, take_stock
from app.common.db import unit_of_work
from app.extensions import db
from tests.factories import ProductFactory


def test_take_stock_takes_what_is_asked():
    lamp, shade = ProductFactory(stock=5), ProductFactory(stock=2)
    with unit_of_work():
        take_stock({lamp.id: 5, shade.id: 1})
    db.session.expire_all()
    assert (lamp.stock, shade.stock) == (0, 1)


def test_a_shortage_takes_nothing_and_names_every_short_product():
    lamp, shade, bulb = ProductFactory(stock=5), ProductFactory(stock=1), ProductFactory(stock=0)
    with pytest.raises(InsufficientStock) as raised, unit_of_work():
        take_stock({lamp.id: 2, shade.id: 3, bulb.id: 1})
    assert raised.value.extra["shortages"] == [
        {"product_id": shade.id, "requested": 3, "available": 1},
        {"product_id": bulb.id, "requested": 1, "available": 0},
    ]
    db.session.expire_all()
    assert (lamp.stock, shade.stock, bulb.stock) == (5, 1, 0)  # the lamp's two came back


def test_give_back_stock_adds_and_quantities_must_be_positive():
    lamp = ProductFactory(stock=1)
    with unit_of_work():
        give_back_stock({lamp.id: 4})
    db.session.expire_all()
    assert lamp.stock == 5
    for bad in (0, -1):
        with pytest.raises(ValueError):
            take_stock({lamp.id: bad})
        with pytest.raises(ValueError):
            give_back_stock({lamp.id: bad})
