"""Password hashing (bcrypt) and the password policy."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

import bcrypt
from flask import current_app

from app.errors import ValidationFailed

MIN_LENGTH = 8
MAX_LENGTH = 128


def _prehash(password: str) -> bytes:
    # bcrypt reads at most 72 bytes (and bcrypt 5 refuses more): hash first so every
    # character of a long passphrase counts.
    return hashlib.sha256(password.encode()).hexdigest().encode()


def hash_password(password: str) -> str:
    rounds = current_app.config["BCRYPT_ROUNDS"]
    return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds)).decode()


def verify_password(password: str, password_hash: str | None) -> bool:
    """Check a password. Without a usable hash (no account, or a deleted one whose hash is "!")
    it still spends a bcrypt round on a dummy hash, so the answer's timing tells nothing."""
    usable = password_hash is not None and password_hash.startswith("$2")
    candidate = password_hash if usable else _dummy_hash()
    try:
        ok = bcrypt.checkpw(_prehash(password), candidate.encode())  # type: ignore[union-attr]
    except ValueError:
        return False
    return ok and usable


@cache
def _dummy_hash() -> str:
    return hash_password("timing-equaliser")


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text().splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def check_password_policy(password: str, email: str, field: str = "password") -> None:
    """Raise a 422 naming `field` if the password is too short, too long, common or holds the email."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Must be at least {MIN_LENGTH} characters.")
    if len(password) > MAX_LENGTH:
        problems.append(f"Must be at most {MAX_LENGTH} characters.")
    if password.lower() in common_passwords():
        problems.append("This password is too common.")
    local_part = email.split("@", 1)[0].lower()
    if len(local_part) >= 3 and local_part in password.lower():
        problems.append("Must not contain your email address.")
    if problems:
        raise ValidationFailed("The password does not meet the policy.", errors={field: problems})
