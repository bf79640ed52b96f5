"""The email outbox: written with the change, sent after commit, retried when delivery fails."""

from __future__ import annotations

import re
from datetime import timedelta
from email import message_from_bytes

import pytest
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.common import mail
from app.common.db import commit, unit_of_work
from app.common.types import utcnow
from app.extensions import db
from app.notifications import delivery
from app.notifications.delivery import claim, pending_email_ids, send_outbox_email
from app.notifications.models import OutboxEmail
from app.notifications.services import queue_email
from tests.factories import UserFactory
from tests.helpers import emails_to


def test_email_is_written_as_eml_file(app, outbox_dir):
    before = set(outbox_dir.glob("*.eml")) if outbox_dir.exists() else set()
    queue_email("juma@example.com", "Habari", "Karibu Duka")
    commit()
    [path] = set(outbox_dir.glob("*.eml")) - before
    message = message_from_bytes(path.read_bytes())
    assert message["To"] == "juma@example.com" and message["Subject"] == "Habari"
    assert "Karibu Duka" in message.get_payload()
    [row] = emails_to("juma@example.com")
    assert row.status == "sent" and row.sent_at is not None


def test_rolled_back_change_sends_nothing(app, outbox_dir):
    before = set(outbox_dir.glob("*.eml")) if outbox_dir.exists() else set()
    with pytest.raises(RuntimeError), unit_of_work():
        queue_email("juma@example.com", "Habari", "never")
        raise RuntimeError("the change fails")
    commit()  # a later commit must not send the dropped email either
    assert emails_to("juma@example.com") == []
    assert (set(outbox_dir.glob("*.eml")) if outbox_dir.exists() else set()) == before


def test_a_failed_commit_sends_nothing(app, outbox_dir):
    taken = UserFactory().email
    before = set(outbox_dir.glob("*.eml")) if outbox_dir.exists() else set()
    with pytest.raises(IntegrityError), unit_of_work():
        queue_email("juma@example.com", "Habari", "never")
        db.session.add(User(email=taken, name="Twin", password_hash="x", invite_code="TWIN0001", role="customer"))
    commit()
    assert emails_to("juma@example.com") == []
    assert (set(outbox_dir.glob("*.eml")) if outbox_dir.exists() else set()) == before


def test_failed_delivery_stays_pending_and_is_retried(app, monkeypatch):
    def broken(*_args):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("app.notifications.delivery.deliver", broken)
    with unit_of_work():
        queue_email("juma@example.com", "Habari", "later")
    # eager task: delivery fails, the row stays
    [row] = emails_to("juma@example.com")
    assert row.status == "pending" and row.attempts == 1 and "smtp down" in row.last_error

    monkeypatch.setattr("app.notifications.delivery.deliver", mail.deliver)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-outbox"])
    assert "sent 1, failed 0" in result.output
    db.session.refresh(row)
    assert row.status == "sent"


def test_sending_twice_sends_once(app, outbox_dir):
    with unit_of_work():
        email = queue_email("juma@example.com", "Habari", "once")
    count = len(list(outbox_dir.glob("*.eml")))
    assert send_outbox_email(email.id) is False
    assert len(list(outbox_dir.glob("*.eml"))) == count


def test_gives_up_after_max_attempts(app, monkeypatch):
    monkeypatch.setattr(delivery, "deliver", lambda *a: (_ for _ in ()).throw(OSError("no route")))
    email = OutboxEmail(to="x@example.com", subject="s", body="b", attempts=delivery.MAX_ATTEMPTS - 1)
    with unit_of_work():
        db.session.add(email)
    with pytest.raises(OSError):
        send_outbox_email(email.id)
    assert email.status == "failed"


def test_smtp_backend_sends_with_tls_and_login(app, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            sent.append(("starttls",))

        def login(self, user, password):
            sent.append(("login", user, password))

        def send_message(self, message):
            sent.append(("send", message["To"], message["Subject"]))

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "smtp")
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example.com")
    monkeypatch.setitem(app.config, "MAIL_USERNAME", "duka")
    monkeypatch.setitem(app.config, "MAIL_PASSWORD", "pw")
    mail.deliver("juma@example.com", "Habari", "body")
    assert sent == [
        ("connect", "smtp.example.com", 587),
        ("starttls",),
        ("login", "duka", "pw"),
        ("send", "juma@example.com", "Habari"),
    ]


def test_every_task_is_registered_at_start_up():
    # A worker (`celery -A run.celery worker`) only runs tasks its process imported: a fresh
    # process must know them all without handling any request.
    import os
    import subprocess
    import sys

    code = "from run import celery; print(sorted(n for n in celery.tasks if not n.startswith('celery.')))"
    env = {**os.environ, "DATABASE_URL": "sqlite://", "LOG_LEVEL": "WARNING"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "notifications.send_email" in out.stdout


def test_a_row_is_claimed_by_one_sender_only(app):
    email = OutboxEmail(to="x@example.com", subject="s", body="b")
    with unit_of_work():
        db.session.add(email)
    with unit_of_work():
        assert claim(email.id) is True
        assert claim(email.id) is False  # a second sender (worker or send-outbox) loses
    assert pending_email_ids() == []
    db.session.refresh(email)
    assert email.status == "sending" and email.attempts == 1


def test_a_row_stuck_in_sending_is_claimable_again_after_the_timeout(app, time_machine):
    email = OutboxEmail(to="x@example.com", subject="s", body="b", status="sending", claimed_at=utcnow())
    with unit_of_work():
        db.session.add(email)
    assert send_outbox_email(email.id) is False
    time_machine.move_to(utcnow() + delivery.SENDING_TIMEOUT + timedelta(seconds=1))
    assert pending_email_ids() == [email.id]
    assert send_outbox_email(email.id) is True
    db.session.refresh(email)
    assert email.status == "sent"


def test_a_sent_email_keeps_no_token_at_rest(client, app):
    from sqlalchemy import text

    user = UserFactory(email="juma@example.com")
    assert client.post("/api/v1/auth/forgot-password", json={"email": user.email}).status_code == 202
    [(status, body)] = db.session.execute(
        text('SELECT status, body FROM outbox_emails WHERE "to" = :to'), {"to": user.email}
    ).all()
    assert status == "sent"
    assert "token=[removed once sent]" in body and not re.search(r"token=[A-Za-z0-9_\-]{20,}", body)
