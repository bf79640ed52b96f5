"""URLs we hand to third parties (a provider's callback, a sandbox's base URL).

They are built from one setting, PUBLIC_BASE_URL, never from the request: a `Host` or
`X-Forwarded-Host` header is the client's to choose, and a callback URL built from it would send
its secret wherever the client says (`Host: attacker.test` on an STK push). `tests/common/
test_urls.py` keeps every other module from building an absolute URL out of a request.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context, url_for


def public_base_url() -> str:
    """The public origin of this API (PUBLIC_BASE_URL), without a trailing slash."""
    return str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")


def public_url(endpoint: str, **values: Any) -> str:
    """The absolute public URL of one of our routes, for a third party to call; also outside a
    request (a task, a beat job), where only the route's path is built from the URL map."""
    if has_request_context():
        return public_base_url() + url_for(endpoint, _external=False, **values)
    return public_base_url() + current_app.url_map.bind("localhost").build(endpoint, values)
