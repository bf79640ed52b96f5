"""`/api/v1/products/{id}/questions` and `/api/v1/questions/{id}`: product questions and answers."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_jwt_extended import current_user, get_jwt_identity

from app.auth.models import Role
from app.auth.ratelimit import documented
from app.common.blueprint import Blueprint
from app.common.permissions import login_required
from app.common.reads import read_only
from app.common.schemas import page_of
from app.extensions import limiter
from app.questions import services
from app.questions.schemas import AnswerIn, AnswerOut, HiddenQuestionOut, HideIn, QuestionIn, QuestionOut, QuestionQuery

blp = Blueprint("questions", __name__, url_prefix="/api/v1", description="Questions about products and their answers")

# Questions are public text: a few an hour per customer.
asking_rate = documented(
    limiter.limit(lambda: "10/hour", key_func=lambda: f"user:{get_jwt_identity()}", scope="questions")
)


@blp.get("/products/<int:product_id>/questions")
@blp.arguments(QuestionQuery(), location="query")
@blp.response(200, page_of(QuestionOut))
@blp.doc(operationId="listProductQuestions")
@read_only
def product_questions(query: dict[str, Any], product_id: int) -> Any:
    """List a product's questions with their answers.

    Answered ones first, newest answer first, then the unanswered newest first (`sort=newest`:
    all newest first); hidden ones are not listed. 404 for a product not on sale.
    """
    return services.list_questions(product_id, query)


@blp.post("/products/<int:product_id>/questions")
@login_required(Role.CUSTOMER)
@asking_rate
@blp.arguments(QuestionIn())
@blp.response(201, QuestionOut, location=lambda made: url_for("questions.get_question", question_id=made.id))
@blp.doc(operationId="askProductQuestion")
def ask(data: dict[str, Any], product_id: int) -> Any:
    """Ask a question about a product (signed-in customers; plain text; 10 an hour).

    Public at once, under my username (or first name and initial); its seller is the one who
    answers, or staff.
    """
    return services.ask(current_user, product_id, data["body"])


@blp.get("/questions/<int:question_id>")
@blp.response(200, QuestionOut)
@blp.doc(operationId="getQuestion")
@read_only
def get_question(question_id: int) -> Any:
    """Read one question with its answers.

    A hidden one is 404 `question_not_found`.
    """
    return services.get_question(question_id)


@blp.post("/questions/<int:question_id>/answers")
@login_required(Role.SUPPLIER, Role.ADMIN)
@blp.arguments(AnswerIn())
@blp.response(201, AnswerOut, location=lambda made: url_for("questions.get_question", question_id=made.question_id))
@blp.alt_response(403, response="FORBIDDEN")
@blp.doc(operationId="answerQuestion")
def answer(data: dict[str, Any], question_id: int) -> Any:
    """Answer a question about one of my products (its seller), or any (staff).

    Another seller is 403 `not_the_seller`. The asker is told in the app and by email; the
    product's page counts its answered questions.
    """
    return services.answer(current_user, question_id, data["body"])


@blp.post("/questions/<int:question_id>/helpful")
@login_required(Role.CUSTOMER)
@blp.response(200, QuestionOut)
@blp.doc(operationId="voteQuestionHelpful")
def helpful(question_id: int) -> Any:
    """Say a question and its answers helped me.

    Counted once per customer: again changes nothing.
    """
    return services.vote_helpful(current_user, question_id)


@blp.delete("/questions/<int:question_id>")
@login_required(Role.CUSTOMER)
@blp.response(204)
@blp.doc(operationId="deleteMyQuestion")
def delete_mine(question_id: int) -> None:
    """Delete my question, with its answers.

    Anyone else's is 404 `question_not_found`.
    """
    services.delete_own(current_user, question_id)


@blp.post("/questions/<int:question_id>/hide")
@login_required(Role.ADMIN)
@blp.arguments(HideIn())
@blp.response(200, HiddenQuestionOut)
@blp.doc(operationId="hideQuestion")
def hide(data: dict[str, Any], question_id: int) -> Any:
    """Hide a question with a reason (staff).

    It leaves the public list and the product's count of answered questions, and reads as 404
    `question_not_found` to everyone.
    """
    return services.hide(current_user, question_id, data["reason"])
