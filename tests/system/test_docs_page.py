"""The interactive docs page works offline: headless Chromium opens it against a running server
and finds the operations rendered, with every file it needs served by the app itself.

Skipped where Chromium is not installed, unless DUKA_REQUIRE_BROWSER is set (CI sets it, and
installs Debian's chromium), so CI can never pass by skipping it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The flags this machine needs (no sandbox as root, no background traffic to the outside).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture
def server(app: Flask) -> Iterator[tuple[str, list[str]]]:
    """The app on a real port; yields its base URL and the paths it was asked for."""
    requested: list[str] = []

    def recording(environ, start_response):  # type: ignore[no-untyped-def]
        requested.append(environ["PATH_INFO"])
        return app(environ, start_response)

    httpd = make_server("127.0.0.1", 0, recording, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", requested
    finally:
        httpd.shutdown()
        thread.join(timeout=10)


def test_the_docs_page_renders_every_operation_offline(server, client, tmp_path: Path) -> None:
    if CHROMIUM is None:
        if os.environ.get("DUKA_REQUIRE_BROWSER"):
            pytest.fail("DUKA_REQUIRE_BROWSER is set but no chromium is installed")
        pytest.skip("chromium is not installed")
    base, requested = server
    html = client.get("/api/v1/docs").get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(source.startswith("/api/v1/docs/assets/") for source in sources), sources

    result = subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={tmp_path}",
            "--virtual-time-budget=20000",
            "--dump-dom",
            f"{base}/api/v1/docs",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    spec = client.get("/api/v1/openapi.json").get_json()
    operations = [op for item in spec["paths"].values() for method, op in item.items() if method != "parameters"]
    rendered = re.findall(r'class="opblock opblock-(?:get|post|put|patch|delete)', dom)
    assert len(rendered) == len(operations), f"{len(rendered)} of {len(operations)} operations rendered"
    assert "listProducts" in dom and "Browse and search active products" in dom
    assert "Failed to load API definition" not in dom
    assert "/api/v1/openapi.json" in requested
    assert any(path.endswith("swagger-ui-bundle.js") for path in requested)
