"""Celery tasks of the auth domain, and the functions that queue them.

Reset and verification emails are asked for by address, and whether that address has an
account must not show in the answer, its timing included. So the request only queues a task
(after its unit of work commits) whatever the address; the task looks the account up, makes the
link and writes the email. With a broker both answers cost the same; without one (eager, in
development) the task runs inside the request.
"""

from __future__ import annotations

from app.auth import codes, services
from app.common.db import after_commit, unit_of_work
from app.common.fields import normalise_email
from app.extensions import celery


@celery.task(name="auth.send_password_reset")
def send_password_reset(email: str) -> None:
    with unit_of_work():
        services.forgot_password(email)


@celery.task(name="auth.send_verification")
def send_verification(email: str) -> None:
    with unit_of_work():
        services.resend_verification(email)


def request_password_reset(email: str) -> None:
    """Queue a reset email for `email` if it has an account (the request cannot tell)."""
    after_commit(send_password_reset.delay, normalise_email(email))


def request_verification(email: str) -> None:
    """Queue a new verification email for `email` if it has an unverified account."""
    after_commit(send_verification.delay, normalise_email(email))


@celery.task(name="auth.send_email_code")
def send_email_code(email: str, purpose: str) -> None:
    with unit_of_work():
        codes.send_code(email, purpose)


def request_email_code(email: str, purpose: str) -> None:
    """Queue an emailed code for `email` if it has an account that may use it (the request
    cannot tell)."""
    after_commit(send_email_code.delay, normalise_email(email), purpose)
