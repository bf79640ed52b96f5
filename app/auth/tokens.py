"""One-time email-link tokens (verification, password reset) that other domains may void."""

from __future__ import annotations

from sqlalchemy import update

from app.auth.models import OneTimeToken, TokenPurpose
from app.common.types import utcnow
from app.extensions import db


def void_one_time_tokens(user_id: int, purpose: TokenPurpose | None = None) -> None:
    """Make every unused email-link token of the user (of one purpose, when given) unusable."""
    stmt = update(OneTimeToken).where(OneTimeToken.user_id == user_id, OneTimeToken.used_at.is_(None))
    if purpose is not None:
        stmt = stmt.where(OneTimeToken.purpose == purpose.value)
    db.session.execute(stmt.values(used_at=utcnow()))
