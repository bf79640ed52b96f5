"""The local payment sandbox: Daraja (M-Pesa), Paystack and PayPal played over HTTP on this server,
for development and tests, so that `make run` takes every payment method with no credentials and
no internet, and the real gateway code, callback routes and secrets run unchanged.

`init_sandbox` (called by create_app) does nothing unless PAYMENT_SANDBOX is on (the default in
development and testing; production refuses to start with it). For each provider that has no
credentials it points the provider's base URL at `PUBLIC_BASE_URL/sandbox/<provider>` and sets
sandbox credentials; a provider with real credentials is left alone.

What each sandbox plays is in its module: `mpesa` (OAuth, STK Push, STK Query; the outcome
chosen by the phone number), `b2c` (Daraja's B2C payments and Transaction Status, with a key
pair of its own for the initiator's credential; the outcome chosen by the receiving number),
`paystack` and `paypal` (their APIs, and a local page where a person pays or refuses, after
which the webhook arrives signed as the provider signs it). Transactions are JSON files
(`store`), callbacks are posted after PAYMENT_SANDBOX_DELAY_SECONDS by a timer thread, or kept
for `deliver_pending()` when PAYMENT_SANDBOX_DELIVERY is `manual` (the tests).
"""

from __future__ import annotations

from flask import Flask

SANDBOX_PREFIX = "/sandbox"


def init_sandbox(app: Flask) -> None:
    """Stand the sandbox in for every provider without credentials (see the module's docstring)."""
    config = app.config
    if not config.get("PAYMENT_SANDBOX"):
        return
    if config["ENV_NAME"] == "production":
        raise RuntimeError("PAYMENT_SANDBOX is a development stand-in: production never serves it")
    from app.sandbox import b2c, mpesa, paypal, paystack
    from app.sandbox.store import init_store

    base = str(config["PUBLIC_BASE_URL"]).rstrip("/") + SANDBOX_PREFIX
    played = []
    for provider in (mpesa, paystack, paypal):
        if provider.stand_in(config, f"{base}/{provider.NAME}"):
            played.append(provider.NAME)
        app.register_blueprint(provider.bp, url_prefix=f"{SANDBOX_PREFIX}/{provider.NAME}")
    if mpesa.NAME in played and b2c.stand_in(config):  # on the M-Pesa sandbox's host and blueprint
        played.append(b2c.NAME)
    config["PAYMENT_SANDBOX_PROVIDERS"] = played
    init_store(app)
