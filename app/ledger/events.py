"""The ledger's running balances follow its postings when a transaction commits."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.ledger.services import forget_unsettled, settle_balances


@event.listens_for(Session, "before_commit")
def _settle(session: Session) -> None:
    settle_balances(session)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    forget_unsettled(session)
