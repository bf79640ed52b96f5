"""Marshmallow fields with the shop's own rules (Kenyan phone numbers, trimmed strings)."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields, validate

from app.common.storage import media_url

_KE_PHONE = re.compile(r"^(?:\+?254|0)([17]\d{8})$")


def masked_phone(phone: str) -> str:
    """A phone number as messages and memos show it: enough to recognise, not to dial
    (254712***678)."""
    digits = phone.lstrip("+")
    return f"{digits[:6]}***{digits[-3:]}" if len(digits) >= 9 else "***"


def normalise_ke_phone(value: str) -> str:
    """`07XXXXXXXX`, `01XXXXXXXX`, `2547...`, `+2547...` -> E.164 `+2547XXXXXXXX`."""
    compact = re.sub(r"[\s\-()]", "", value or "")
    match = _KE_PHONE.match(compact)
    if not match:
        raise ValueError("Not a valid Kenyan phone number (e.g. 0712345678 or +254712345678).")
    return "+254" + match.group(1)


class KenyanPhone(fields.String):
    """A Kenyan mobile or landline-mobile number, loaded as E.164. The document carries the
    characters and length allowed (what the client can check); the number itself is then read
    by `normalise_ke_phone`."""

    def __init__(self, **kwargs: Any) -> None:
        metadata = {"example": "+254712345678", "description": "Kenyan number; stored as E.164"}
        metadata.update(kwargs.pop("metadata", {}))
        shape = [
            validate.Length(min=9, max=24),
            validate.Regexp(r"^[0-9+\s()-]+$", error="Digits, +, spaces, - or ()."),
        ]
        super().__init__(metadata=metadata, validate=shape, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            return normalise_ke_phone(raw)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


class Trimmed(fields.String):
    """A string with surrounding white space removed (a blank one then fails a length check)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).strip()


class Username(Trimmed):
    """3-30 letters, digits, `_` or `.`; loaded lower-cased so it is unique case-insensitively."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "validate",
            [
                validate.Length(min=3, max=30),
                validate.Regexp(r"^[A-Za-z0-9_.]+$", error="Letters, digits, _ and . only."),
            ],
        )
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        return super()._deserialize(value, attr, data, **kwargs).lower()


class Password(fields.String):
    """A password as typed; the policy (length, common, email) is checked by the auth service."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validate", validate.Length(min=1, max=1024))
        kwargs.setdefault("metadata", {"format": "password"})
        super().__init__(**kwargs)


class MediaUrl(fields.String):
    """The public URL of a stored file, dumped from its path (null when there is none)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allow_none", True)
        kwargs.setdefault("dump_only", True)
        super().__init__(**kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        return media_url(value)


def normalise_email(email: str) -> str:
    """The one form emails are stored, compared and limited in: trimmed and lower-cased."""
    return email.strip().lower()


class EmailAddress(fields.Email):
    """An email address, normalised (normalise_email) and then validated, so what is stored
    always passes the API's own `format: email` (`İ` lower-cases to `i` plus a combining dot,
    which is no valid address: refused)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return super()._deserialize(normalise_email(value), attr, data, **kwargs)


class DecimalString(fields.Decimal):
    """An exact decimal that is not money (a rating average, an exchange rate), sent as a string
    with `places` decimals: "4.25". Documented as a string: a generated client keeps it exact."""

    def __init__(self, places: int, **kwargs: Any) -> None:
        metadata = {"type": "string", "pattern": rf"^\d+\.\d{{{places}}}$", "example": "4." + "2" * places}
        metadata.update(kwargs.pop("metadata", {}))
        super().__init__(places=places, as_string=True, metadata=metadata, **kwargs)
