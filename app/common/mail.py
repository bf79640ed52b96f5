"""Delivering one email: an .eml file in development, SMTP in production."""

from __future__ import annotations

import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

log = logging.getLogger("duka.mail")


def build_message(to: str, subject: str, body: str, html: str | None = None) -> EmailMessage:
    cfg = current_app.config
    message = EmailMessage()
    message["From"] = cfg["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="duka.local")
    message.set_content(body)
    if html:
        message.add_alternative(html, subtype="html")  # multipart/alternative: text first, HTML preferred
    return message


def deliver(to: str, subject: str, body: str, html: str | None = None) -> None:
    """Send one message with the configured backend; raises on failure so the caller can retry."""
    cfg = current_app.config
    message = build_message(to, subject, body, html)
    backend = cfg["MAIL_BACKEND"]
    if backend == "file":
        outbox = Path(cfg["MAIL_OUTBOX_DIR"])
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{uuid.uuid4().hex}.eml"
        path.write_bytes(bytes(message))
        log.info("email to %s written to %s: %s", to, path, subject)
    elif backend == "smtp":
        with smtplib.SMTP(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=15) as smtp:
            if cfg["MAIL_USE_TLS"]:
                smtp.starttls()
            if cfg["MAIL_USERNAME"]:
                smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
        log.info("email to %s sent by SMTP: %s", to, subject)
    else:
        raise RuntimeError(f"unknown MAIL_BACKEND {backend!r}")
