"""What the three sandboxes share: reading a request as a provider does, answering in JSON, and
the one HTML page where a person decides a payment."""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from flask import Response, jsonify, request
from markupsafe import escape

from app.common.bodies import request_json


def body() -> dict[str, Any] | None:
    """The request's JSON object, or None for anything else (no body, not JSON, too deep)."""
    found = request_json(silent=True) if request.is_json else None
    return found if isinstance(found, dict) else None


def answer(status: int, payload: Any) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response


def bearer_is(token: str) -> bool:
    sent = request.headers.get("Authorization", "")
    return hmac.compare_digest(sent.encode("utf-8", "surrogatepass"), f"Bearer {token}".encode())


def basic_is(user: str, password: str) -> bool:
    sent = request.headers.get("Authorization", "")
    if not sent.startswith("Basic "):
        return False
    try:
        decoded = base64.b64decode(sent[6:], validate=True)
    except (binascii.Error, ValueError):
        return False
    return hmac.compare_digest(decoded, f"{user}:{password}".encode())


def token_for(*secrets: str) -> str:
    """The access token a sandbox hands out for these credentials (the same every time)."""
    digest = hmac.new(b"duka-sandbox-token", "|".join(secrets).encode(), "sha256").hexdigest()
    return digest[:28]


def with_query(url: str, **values: str) -> str:
    """`url` with `values` added to its query string."""
    from urllib.parse import urlencode

    return url + ("&" if "?" in url else "?") + urlencode(values)


def decision_page(provider: str, lines: dict[str, str], choices: dict[str, str]) -> Response:
    """A page where a person pays or refuses: a form posting `outcome` back to this URL."""
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in lines.items())
    buttons = "".join(
        f'<button name="outcome" value="{escape(value)}" type="submit">{escape(label)}</button>'
        for value, label in choices.items()
    )
    html = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(provider)} - Duka payment sandbox</title>
<style>body{{font-family:system-ui,sans-serif;max-width:30rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}}
th{{text-align:left;padding-right:1rem}}button{{font-size:1rem;padding:.6rem 1.2rem;margin:1rem .5rem 0 0}}
p.note{{color:#555;font-size:.9rem}}</style></head>
<body><main><h1>{escape(provider)}</h1>
<p class="note">Duka's local payment sandbox: no money moves. Choose what the provider answers.</p>
<table>{rows}</table>
<form method="post">{buttons}</form></main></body></html>"""
    return Response(html, mimetype="text/html")
