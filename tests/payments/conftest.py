"""Fixtures of the payment tests: providers stubbed at the `requests` layer, orders to pay."""

from __future__ import annotations

from decimal import Decimal

import pytest
import responses

from app.payments.gateways import tokens
from tests.factories import ProductFactory
from tests.helpers import add_to_cart, checkout

SECRET = "test-callback-secret-0123456789"
TOKEN_URL = "https://sandbox.safaricom.co.ke/oauth/v1/generate"
PAYSTACK_SECRET_KEY = "sk_test_0123456789abcdef0123456789abcdef01234567"


@pytest.fixture
def daraja(app, monkeypatch):
    """Daraja credentials (the sandbox's shortcode and a passkey) and a stubbed network."""
    for name, value in {
        "MPESA_BASE_URL": "https://sandbox.safaricom.co.ke",
        "MPESA_CONSUMER_KEY": "consumer-key",
        "MPESA_CONSUMER_SECRET": "consumer-secret",
        "MPESA_SHORTCODE": "174379",
        "MPESA_PASSKEY": "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919",
        "PUBLIC_BASE_URL": "https://shop.example.co.ke",
        "MPESA_CALLBACK_SECRET": SECRET,
    }.items():
        monkeypatch.setitem(app.config, name, value)
    tokens.forget()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(TOKEN_URL, json={"access_token": "c9SQxWWhmdVRlyh0zh8gZDTkubVF", "expires_in": "3599"})
        yield mock
    tokens.forget()


def order_of_1500(client, customer, address, payment_method: str) -> dict:
    """The customer's order of KES 1,500.00 (1,250.00 of goods and 250.00 delivery)."""
    add_to_cart(client, customer, ProductFactory(price=Decimal("1250.00"), stock=5))
    response = checkout(client, customer, address, payment_method=payment_method)
    assert response.status_code == 201
    return response.get_json()


@pytest.fixture
def order(client, customer, address, zone):
    """An M-Pesa order of KES 1,500.00."""
    return order_of_1500(client, customer, address, "mpesa")


@pytest.fixture
def paystack_api(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAYSTACK_BASE_URL", "https://api.paystack.co")
    monkeypatch.setitem(app.config, "PAYSTACK_SECRET_KEY", PAYSTACK_SECRET_KEY)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def card_order(client, customer, address, zone):
    """A card order of KES 1,500.00."""
    return order_of_1500(client, customer, address, "card")


@pytest.fixture
def cash_order(client, customer, address, zone):
    """A cash-on-delivery order of KES 1,500.00."""
    return order_of_1500(client, customer, address, "cash")


PAYPAL = "https://api-m.sandbox.paypal.com"
PAYPAL_TOKEN = {
    "scope": "https://uri.paypal.com/services/payments/payment https://uri.paypal.com/services/payments/refund",
    "access_token": "A21AAFEpH4PsADK7qSS7pSRsgzfENtu-Q1ysgEDVDESseMHBYXVJYE8ovjj68elIDy8nF26AwPhfXTIeWAZHSLIsQkSYz9ifg",
    "token_type": "Bearer",
    "app_id": "APP-80W284485P519543T",
    "expires_in": 31668,
    "nonce": "2020-04-03T15:35:36ZaYZlGvEkV4yVSz8g6bAKFoGSEzuy3CQcz3ljhibkOHg",
}


@pytest.fixture
def paypal_api(app, monkeypatch):
    """PayPal sandbox credentials, a webhook id, USD at KES 129.50, and a stubbed network with
    the OAuth token endpoint answering as PayPal documents."""
    for name, value in {
        "PAYPAL_BASE_URL": PAYPAL,
        "PAYPAL_CLIENT_ID": "AeHNq-client-id",
        "PAYPAL_CLIENT_SECRET": "EGnHDxD-client-secret",
        "PAYPAL_WEBHOOK_ID": "8PT597110X687430LKGECATA",
        "PAYPAL_CURRENCY": "USD",
        "PAYPAL_FX_RATE": "129.50",
    }.items():
        monkeypatch.setitem(app.config, name, value)
    tokens.forget()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(f"{PAYPAL}/v1/oauth2/token", json=PAYPAL_TOKEN)
        yield mock
    tokens.forget()


@pytest.fixture
def paypal_order(client, customer, address, zone):
    """A PayPal order of KES 1,500.00: USD 11.59 at 129.50 (11.583 rounded up)."""
    return order_of_1500(client, customer, address, "paypal")
