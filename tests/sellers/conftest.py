"""Fixtures for the sellers' tests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import CategoryFactory, ProductFactory, SellerFactory


@pytest.fixture
def two_sellers(client, customer, address, zone):
    """An order of three lines from two sellers: Kikapu (two products) and Radio Hub (one)."""
    phones, radios = CategoryFactory(name="Phones"), CategoryFactory(name="Radios")
    kikapu, hub = SellerFactory(name="Kikapu"), SellerFactory(name="Radio Hub")
    basket = ProductFactory(seller=kikapu, price=Decimal("1000.00"), category=phones)
    mat = ProductFactory(seller=kikapu, price=Decimal("333.33"), category=phones)
    radio = ProductFactory(seller=hub, price=Decimal("2500.00"), category=radios)
    return {"kikapu": kikapu, "hub": hub, "basket": basket, "mat": mat, "radio": radio, "phones": phones}
