"""Questions about products: asked by signed-in customers, answered in public by the product's
seller or staff, voted helpful once per customer, deleted by their asker, hidden by staff. The
product's count of answered questions (its page shows it) is kept true under its row lock."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from app.auth.models import Role, User
from app.catalog.models import Product
from app.catalog.services.ratings import lock_rating, reviewable_product, set_answered_questions
from app.catalog.services.sellers import seller_of
from app.common.db import changed_rows, insert_unless_exists
from app.common.pagination import page_meta
from app.common.types import utcnow
from app.extensions import db
from app.questions import notices
from app.questions.errors import NotTheSeller, QuestionNotFound
from app.questions.models import Answer, HelpfulVote, Question
from app.reviews.services import author_name


def _shown(question: Question, username: str | None, name: str) -> Question:
    question.author = author_name(username, name)  # never an email address
    return question


def list_questions(product_id: int, query: dict[str, Any]) -> dict[str, Any]:
    """A product's visible questions with their answers: answered first (newest answered first),
    then the others newest first; or all newest first (`sort=newest`)."""
    reviewable_product(product_id)
    visible = (Question.product_id == product_id, Question.hidden.is_(False))
    order: list[Any] = [Question.created_at.desc(), Question.id.desc()]
    if query["sort"] == "answered":
        order = [Question.answered_at.is_(None), Question.answered_at.desc(), *order]
    page, per_page = query["page"], query["per_page"]
    found = db.session.execute(
        select(Question, User.username, User.name)
        .join(User, User.id == Question.user_id)
        .options(selectinload(Question.answers))  # a page's answers in one query, not one per question
        .where(*visible)
        .order_by(*order)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    total = db.session.scalar(select(func.count(Question.id)).where(*visible)) or 0
    return {
        "items": [_shown(q, username, name) for q, username, name in found],
        "meta": page_meta(page, per_page, total),
    }


def get_question(question_id: int, *, visible_only: bool = True) -> Question:
    stmt = (
        select(Question, User.username, User.name)
        .join(User, User.id == Question.user_id)
        .where(Question.id == question_id)
    )
    if visible_only:
        stmt = stmt.where(Question.hidden.is_(False))
    found = db.session.execute(stmt).first()
    if found is None:
        raise QuestionNotFound("No such question.")
    question, username, name = found
    return _shown(question, username, name)


def ask(user: User, product_id: int, body: str) -> Question:
    """A customer's question about a product on sale, public at once."""
    reviewable_product(product_id)
    question = Question(product_id=product_id, user_id=user.id, body=body)
    db.session.add(question)
    db.session.flush()
    return get_question(question.id)


def answer(user: User, question_id: int, body: str) -> Answer:
    """The product's seller (its store's owner) or staff answer a visible question; the asker is
    told. Anyone else: 403 `not_the_seller`."""
    question = get_question(question_id)
    staff = user.role == Role.ADMIN.value
    if not staff:
        store = seller_of(user)
        owner = db.session.scalar(select(Product.seller_id).where(Product.id == question.product_id))
        if store is None or store.id != owner:
            raise NotTheSeller("Only this product's seller, or staff, answer its questions.")
    made = Answer(question_id=question.id, user_id=user.id, by="staff" if staff else "seller", body=body)
    db.session.add(made)
    if question.answered_at is None:
        question.answered_at = utcnow()
    db.session.flush()
    _recount(question.product_id)
    notices.answered(question, made)
    return made


def vote_helpful(user: User, question_id: int) -> Question:
    """A customer finds a question (and its answers) helpful: counted once per customer."""
    question = get_question(question_id)
    voted = insert_unless_exists(
        HelpfulVote,
        {"question_id": question.id, "user_id": user.id, "created_at": utcnow()},
        ["question_id", "user_id"],
    )
    if voted is not None:
        changed_rows(
            update(Question)
            .where(Question.id == question.id)
            .values(helpful=Question.helpful + 1)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(question, ["helpful"])
    return question


def delete_own(user: User, question_id: int) -> None:
    """Its asker deletes a question (and its answers); anyone else's is 404."""
    question = db.session.scalar(select(Question).where(Question.id == question_id, Question.user_id == user.id))
    if question is None:
        raise QuestionNotFound("No such question.")
    product_id = question.product_id
    db.session.delete(question)
    db.session.flush()
    _recount(product_id)


def hide(admin: User, question_id: int, reason: str) -> Question:
    """Staff hide a question with a reason: it leaves the public list (and the product's count)."""
    question = db.session.get(Question, question_id)
    if question is None:
        raise QuestionNotFound("No such question.")
    question.hidden, question.hidden_reason, question.hidden_by_id = True, reason, admin.id
    db.session.flush()
    _recount(question.product_id)
    return question


def _recount(product_id: int) -> None:
    lock_rating(product_id)  # the product's row: two answers at once count one after the other
    count = db.session.scalar(
        select(func.count(Question.id)).where(
            Question.product_id == product_id, Question.hidden.is_(False), Question.answered_at.is_not(None)
        )
    )
    set_answered_questions(product_id, int(count or 0))
