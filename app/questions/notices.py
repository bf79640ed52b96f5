"""What askers are told of their questions."""

from __future__ import annotations

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from app.notifications.emails import send_templated
from app.notifications.inbox import Kind, notify
from app.questions.models import Answer, Question


def answered(question: Question, answer: Answer) -> None:
    """The asker is told (in the app and by email) that their question has an answer."""
    who = "The seller" if answer.by == "seller" else "Our team"
    message = f"{who} answered your question: \u201c{question.body[:80]}\u201d"
    notify(question.user_id, Kind.QUESTION_ANSWERED, "Your question was answered", message, ("question", question.id))
    email = db.session.scalar(select(User.email).where(User.id == question.user_id))
    if email:
        send_templated(email, "Your question was answered", "update", message=message)
