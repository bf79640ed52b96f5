"""URLs handed to third parties come from PUBLIC_BASE_URL, never from a request's headers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import create_app

APP = Path(__file__).resolve().parents[2] / "app"
# Ways Flask and Werkzeug turn a request's Host (or X-Forwarded-Host) into an absolute URL.
FROM_REQUEST = re.compile(r"_external\s*=\s*True|request\.(host|host_url|url_root|root_url|base_url|url)\b")


def test_no_module_builds_an_absolute_url_from_the_request():
    offenders = [
        f"{path.relative_to(APP.parent)}:{number}"
        for path in APP.rglob("*.py")
        if path.name != "urls.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if FROM_REQUEST.search(line)
    ]
    assert offenders == []


def test_development_defaults_to_the_local_server():
    app = create_app("testing")
    assert app.config["PUBLIC_BASE_URL"].startswith("http://127.0.0.1:")


@pytest.mark.parametrize("base", ["", "http://shop.example.co.ke"])
def test_production_with_mpesa_needs_a_public_https_base(monkeypatch, base):
    import secrets

    from app.config import ProductionConfig

    for name in ("SECRET_KEY", "JWT_SECRET_KEY", "MPESA_CALLBACK_SECRET"):
        monkeypatch.setattr(ProductionConfig, name, secrets.token_urlsafe(48))
    monkeypatch.setattr(ProductionConfig, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setattr(ProductionConfig, "MPESA_CONSUMER_KEY", "key")
    monkeypatch.setattr(ProductionConfig, "PUBLIC_BASE_URL", base)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app("production")
