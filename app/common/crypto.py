"""Encryption of secrets kept at rest (TOTP seeds): Fernet, i.e. AES-128-CBC with HMAC-SHA256.

The key is DATA_ENCRYPTION_KEY (a Fernet key); without it one is derived from SECRET_KEY, so set
it in production to be able to rotate SECRET_KEY without losing every 2FA enrolment.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _fernet() -> Fernet:
    key = current_app.config.get("DATA_ENCRYPTION_KEY")
    if not key:
        digest = hashlib.sha256(b"duka-data-encryption:" + current_app.config["SECRET_KEY"].encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key)


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str | None:
    """The plaintext, or None when the token was not made with this key (or was tampered with)."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return None
