"""The web shop: `storefront/` (a Vite + TypeScript app over this API), built into
`storefront/dist` by `make run`, served here at `/` next to `/api/v1`, on one port.

Every path that is not the API's, the media's or the payment sandbox's answers with the shop's
page (its router reads the path: `/products/red-shoe`, `/orders/12`, the links in emails), so a
shared or reloaded URL works. Hashed assets are cached for a year; the page itself is revalidated
on every load, so a new build shows at once. The page carries a strict Content-Security-Policy:
the shop keeps its tokens in localStorage, so no script but its own may run.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, request, send_from_directory
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import PathConverter

from app.common.http import add_vary
from app.errors import AppError

storefront = Blueprint("storefront", __name__)

# A year: asset names carry a hash of their content, so a new build never reuses one.
ASSET_MAX_AGE = 365 * 24 * 3600
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob: https:",  # product images may live on a CDN
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


class ShopPathConverter(PathConverter):
    """A path outside the server's own prefixes: /api (so an unknown API path stays the API's
    problem+json 404, and a POST to one is not a 405 of this GET route), /media, /sandbox."""

    regex = r"(?!(?:api|media|sandbox)(?:/|$))[^/].*?"


@storefront.record_once
def _know_shop_paths(state: BlueprintSetupState) -> None:
    # Recorded before the routes, so the converter is known when their rules are added.
    state.app.url_map.converters["shop"] = ShopPathConverter


class StorefrontNotBuilt(AppError):
    status, code, title = 404, "storefront_not_built", "The web shop is not built"


def _dist() -> Path:
    return Path(current_app.config["STOREFRONT_DIR"])


def _send(directory: Path, name: str, max_age: int) -> Response:
    """A built file, gzipped as the build wrote it (name.gz) when the browser takes gzip."""
    compressed = directory / f"{name}.gz"
    if "gzip" in request.accept_encodings and compressed.is_file():
        response = send_from_directory(directory, f"{name}.gz", max_age=max_age)
        response.headers["Content-Encoding"] = "gzip"
        response.mimetype = _mimetype(name)
    else:
        response = send_from_directory(directory, name, max_age=max_age)
    add_vary(response, "Accept-Encoding")
    return response


def _mimetype(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


@storefront.get("/")
@storefront.get("/<shop:path>")
def shop(path: str = "") -> Any:
    dist = _dist()
    if not (dist / "index.html").is_file():
        raise StorefrontNotBuilt(
            "Build it with `make run` (needs Node.js and npm) or `make storefront`; "
            "the API is served at /api/v1 (docs at /api/v1/docs)."
        )
    if path.startswith("assets/"):
        response = _send(dist / "assets", path.removeprefix("assets/"), ASSET_MAX_AGE)
        response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}, immutable"
        return response
    if path and "/" not in path and path != "index.html" and (dist / path).is_file():
        return send_from_directory(dist, path, max_age=3600)  # robots.txt and the like
    response = _send(dist, "index.html", 0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Frame-Options"] = "DENY"
    return response
