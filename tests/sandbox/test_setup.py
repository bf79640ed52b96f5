"""When the sandbox stands in, and when it never does."""

from __future__ import annotations

import pytest

from app import create_app


def test_it_stands_in_for_every_provider_without_credentials():
    app = create_app("testing")
    assert app.config["PAYMENT_SANDBOX_PROVIDERS"] == ["mpesa", "paystack", "paypal", "mpesa-b2c"]
    base = app.config["PUBLIC_BASE_URL"]
    assert app.config["MPESA_BASE_URL"] == f"{base}/sandbox/mpesa"
    assert app.config["PAYSTACK_BASE_URL"] == f"{base}/sandbox/paystack"
    assert app.config["PAYPAL_BASE_URL"] == f"{base}/sandbox/paypal"
    methods = [m["method"] for m in app.test_client().get("/api/v1/payments/methods").get_json()]
    assert methods == ["mpesa", "card", "paypal", "cash", "wallet"]


def test_a_provider_with_credentials_is_left_alone():
    app = create_app(
        "testing",
        overrides={
            "PAYSTACK_SECRET_KEY": "sk_live_real",
            "PAYSTACK_BASE_URL": "https://api.paystack.co",
        },
    )
    assert app.config["PAYMENT_SANDBOX_PROVIDERS"] == ["mpesa", "paypal", "mpesa-b2c"]
    assert app.config["PAYSTACK_BASE_URL"] == "https://api.paystack.co"


def test_off_means_off():
    app = create_app("testing", overrides={"PAYMENT_SANDBOX": False})
    assert "PAYMENT_SANDBOX_PROVIDERS" not in app.config
    assert not [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/sandbox")]
    methods = [m["method"] for m in app.test_client().get("/api/v1/payments/methods").get_json()]
    assert methods == ["cash", "wallet"]


def test_production_refuses_it(monkeypatch):
    import secrets

    from app.config import ProductionConfig

    for name in ("SECRET_KEY", "JWT_SECRET_KEY"):
        monkeypatch.setattr(ProductionConfig, name, secrets.token_urlsafe(48))
    monkeypatch.setattr(ProductionConfig, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setattr(ProductionConfig, "PAYMENT_SANDBOX", True)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="PAYMENT_SANDBOX"):
        create_app("production")
    with pytest.raises(RuntimeError, match="PAYMENT_SANDBOX"):
        create_app("production", overrides={"PAYMENT_SANDBOX": True})
