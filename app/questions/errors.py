"""Questions' errors."""

from __future__ import annotations

from app.errors import Forbidden, NotFound


class QuestionNotFound(NotFound):
    code, title = "question_not_found", "Question not found"


class NotTheSeller(Forbidden):
    code, title = "not_the_seller", "Only the product's seller or staff answer"
