"""A Python client generated from our OpenAPI document (openapi-python-client, as a client
developer would make one) drives sign-up, login, profile, an address, a filtered listing and a
product page against the app, and gets typed objects back."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from flask import Flask

from tests.factories import BrandFactory, CategoryFactory, ProductFactory

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
CONFIG = Path(__file__).resolve().parent.parent / "scripts" / "contract" / "python-client.yml"  # as `make contract`


@pytest.fixture(scope="module")
def duka_client(app: Flask, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    workdir = tmp_path_factory.mktemp("generated")
    (workdir / "openapi.json").write_bytes(app.test_client().get("/api/v1/openapi.json").get_data())
    result = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            "openapi.json",
            "--output-path",
            "duka_client",
            "--meta",
            "none",
            "--config",
            str(CONFIG),
            "--fail-on-warning",
        ],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module("duka_client")
    finally:
        sys.path.remove(str(workdir))
        for name in [name for name in sys.modules if name.startswith("duka_client")]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"duka_client.{name}")


def test_a_generated_client_signs_up_fills_a_profile_and_browses(app: Flask, duka_client: ModuleType) -> None:
    models = _module("models")
    auth, me, catalog = (_module(f"api.{tag}") for tag in ("auth", "me", "catalog"))
    importlib.import_module("duka_client.api.auth.register")
    transport = httpx.WSGITransport(app=app)
    anonymous = duka_client.Client(base_url="http://testserver", httpx_args={"transport": transport})

    profile = _module("api.auth.register").sync(
        client=anonymous,
        body=models.RegisterIn(
            name="Wanjiku Kamau", email="wanjiku@example.co.ke", password="Mvua-Nyingi-2026", accept_terms=True
        ),
    )
    assert isinstance(profile, models.ProfileOut)
    assert profile.role == models.ProfileOutRole.CUSTOMER and profile.picture_url is None

    tokens = _module("api.auth.login").sync(
        client=anonymous, body=models.LoginIn(email="wanjiku@example.co.ke", password="Mvua-Nyingi-2026")
    )
    assert isinstance(tokens, models.TokenPairOut) and tokens.token_type == models.TokenPairOutTokenType.BEARER
    signed_in = duka_client.AuthenticatedClient(
        base_url="http://testserver", token=tokens.access_token, httpx_args={"transport": transport}
    )

    changed = _module("api.me.update_profile").sync(client=signed_in, body=models.ProfilePatch(location="Westlands"))
    assert isinstance(changed, models.ProfileOut) and changed.location == "Westlands"

    created = _module("api.me.create_address").sync_detailed(
        client=signed_in,
        body=models.AddressIn(
            label="Home",
            recipient="Wanjiku",
            phone="0712345678",
            county="nairobi",
            town="Westlands",
            street="Woodvale Grove",
        ),
    )
    assert created.status_code == 201 and created.headers["Location"].endswith(f"/addresses/{created.parsed.id}")
    page = _module("api.me.list_addresses").sync(client=signed_in)
    assert isinstance(page, models.AddressPageOut)
    assert [a.county for a in page.items] == ["Nairobi"] and page.meta.total == 1 and page.items[0].is_default

    phones = CategoryFactory(name="Phones")
    tecno = BrandFactory(name="Tecno")
    ProductFactory(category=phones, brand=tecno, name="Tecno Spark 20", stock=4)
    ProductFactory(category=phones, brand=None, name="Unbranded phone", stock=0)

    listing = _module("api.catalog.list_products").sync(
        client=anonymous, category="phones", brand=["tecno"], in_stock=True
    )
    assert isinstance(listing, models.ProductListOut) and listing.meta.total == 1
    card = listing.items[0]
    assert isinstance(card.brand, models.RefOut) and card.brand.name == "Tecno"
    assert card.in_stock is True and card.condition == models.ProductCardOutCondition.NEW
    assert [b.name for b in listing.facets.brands] == ["Tecno"]

    product = _module("api.catalog.get_product").sync(client=anonymous, product_id=card.id)
    assert isinstance(product, models.ProductOut) and product.name == "Tecno Spark 20" and product.stock == 4

    missing = _module("api.catalog.get_product").sync(client=anonymous, product_id=2_000_000_000)
    assert isinstance(missing, models.ProblemOut) and missing.code == "product_not_found"

    # Operations where a token is optional take a plain Client (a guest) as well.
    guest_cart = _module("api.cart.add_cart_line").sync(
        client=anonymous, body=models.CartLineIn(product_id=card.id, quantity=1)
    )
    assert isinstance(guest_cart, models.CartOut) and guest_cart.count == 1 and guest_cart.cart_token
    read = _module("api.cart.get_cart").sync(client=anonymous, x_cart_token=guest_cart.cart_token)
    assert isinstance(read, models.CartOut) and read.lines[0].product.id == card.id
    quoted = _module("api.orders.quote_delivery").sync(
        client=anonymous, body=models.QuoteIn(county="Nairobi", town="Westlands"), x_cart_token=guest_cart.cart_token
    )
    assert isinstance(quoted, models.ProblemOut) and quoted.code == "not_deliverable"  # no zone in this test
