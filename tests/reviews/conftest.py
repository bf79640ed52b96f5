"""Fixtures of the review tests: customers who received a product."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.factories import ProductFactory
from tests.helpers import deliver_to


@pytest.fixture
def product():
    return ProductFactory(price=Decimal("500.00"), stock=50)


@pytest.fixture
def bought(customer, product):
    """The customer received the product."""
    return deliver_to(customer.user, product)
