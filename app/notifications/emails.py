"""Templated emails: one Jinja template per message in templates/email/, as HTML with a plain-text
part, in the store's name; rendered when queued, so the outbox row holds exactly what is sent."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import current_app
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from app.notifications.models import OutboxEmail
from app.notifications.services import queue_email


@cache
def _environment() -> Environment:
    # HTML is escaped (names and notes are the customers' own words); the text part is not.
    return Environment(
        loader=PackageLoader("app.notifications", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        keep_trailing_newline=True,
    )


def render(template: str, **context: Any) -> tuple[str, str]:
    """The (plain text, HTML) of templates/email/<template>.txt and .html."""
    context.setdefault("store", current_app.config["STORE_NAME"])
    context.setdefault("order", None)
    env = _environment()
    return (
        env.get_template(f"email/{template}.txt").render(**context),
        env.get_template(f"email/{template}.html").render(**context),
    )


def send_templated(to: str, subject: str, template: str, **context: Any) -> OutboxEmail:
    """Queue a templated email in the caller's transaction (sent after commit)."""
    text, html = render(template, subject=subject, **context)
    return queue_email(to, subject, text, html=html)
