"""The web shop served at / next to the API (app/system/storefront.py), from a built folder."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from tests.helpers import assert_problem

SCRIPT = b"console.log('the shop');" * 20


def fetch(client, path: str, method: str = "get", **kwargs):
    """A response read whole, then closed (file responses hold their file until closed)."""
    response = getattr(client, method)(path, **kwargs)
    response.get_data()
    response.close()
    return response


@pytest.fixture
def built(app, monkeypatch, tmp_path: Path) -> Path:
    """A storefront/dist as `vite build` and scripts/size.mjs leave it."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text('<!doctype html><script type="module" src="/assets/index-abc123.js"></script>')
    (tmp_path / "assets" / "index-abc123.js").write_bytes(SCRIPT)
    (tmp_path / "assets" / "index-abc123.js.gz").write_bytes(gzip.compress(SCRIPT))
    (tmp_path / "robots.txt").write_text("User-agent: *\n")
    monkeypatch.setitem(app.config, "STOREFRONT_DIR", str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("path", ["/", "/products/red-shoe", "/orders/12", "/verify-email?token=abc", "/auth/google"])
def test_every_shop_path_is_the_page_with_a_strict_policy(client, built, path):
    response = fetch(client, path)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert b"/assets/index-abc123.js" in response.data
    assert response.headers["Cache-Control"] == "no-cache"  # a new build shows at once
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_hashed_asset_is_cached_for_a_year_and_sent_gzipped_to_browsers_that_take_it(client, built):
    plain = fetch(client, "/assets/index-abc123.js", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.data == SCRIPT
    assert "Content-Encoding" not in plain.headers
    assert plain.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in plain.headers["Vary"]

    zipped = fetch(client, "/assets/index-abc123.js", headers={"Accept-Encoding": "gzip, br"})
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.mimetype == "text/javascript"
    assert gzip.decompress(zipped.data) == SCRIPT


def test_a_missing_asset_or_an_escape_is_a_404_not_the_page(client, built):
    assert_problem(client.get("/assets/index-gone.js"), 404, "not_found")
    assert client.get("/assets/../../../etc/passwd").status_code == 404
    assert fetch(client, "/robots.txt").data == b"User-agent: *\n"


def test_the_api_media_and_sandbox_keep_their_own_404s(client, built):
    """The shop's catch-all never answers for the server's own prefixes: an unknown API path is
    the API's problem+json 404, for every method (not a 405 of the shop's GET route)."""
    for method in ("get", "post", "delete"):
        assert_problem(getattr(client, method)("/api/v1/no-such-thing"), 404, "not_found")
    assert_problem(client.get("/api"), 404, "not_found")
    assert_problem(client.get("/media/missing.png"), 404, "not_found")
    assert_problem(client.get("/sandbox/nowhere"), 404, "not_found")
    assert fetch(client, "/apiary").status_code == 200  # only the prefix itself is the server's


def test_without_a_build_the_root_says_how_to_build_it(client, app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "STOREFRONT_DIR", str(tmp_path / "not-built"))
    body = assert_problem(client.get("/"), 404, "storefront_not_built")
    assert "make run" in body["detail"] and "/api/v1/docs" in body["detail"]
    assert client.get("/api/v1/health").status_code == 200
