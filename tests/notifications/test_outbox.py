"""The email outbox: written with the change, sent after commit, retried when delivery fails."""
from __future__ import annotations

from email import message_from_bytes

import pytest

from app.common import mail
from app.common.tasks import commit
from app.extensions import db
from app.notifications.models import OutboxEmail
from app.notifications.services import queue_email, send_outbox_email
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


def test_rolled_back_change_sends_nothing(app):
    queue_email("juma@example.com", "Habari", "never")
    db.session.rollback()
    from app.common.tasks import rollback

    rollback()
    commit()
    assert emails_to("juma@example.com") == []


def test_failed_delivery_stays_pending_and_is_retried(app, monkeypatch):
    def broken(*_args):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("app.notifications.services.deliver", broken)
    queue_email("juma@example.com", "Habari", "later")
    commit()  # eager task: delivery fails, the row stays
    [row] = emails_to("juma@example.com")
    assert row.status == "pending" and row.attempts == 1 and "smtp down" in row.last_error

    monkeypatch.setattr("app.notifications.services.deliver", mail.deliver)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["send-outbox"])
    assert "sent 1, failed 0" in result.output
    db.session.refresh(row)
    assert row.status == "sent"


def test_sending_twice_sends_once(app, outbox_dir):
    email = queue_email("juma@example.com", "Habari", "once")
    commit()
    count = len(list(outbox_dir.glob("*.eml")))
    assert send_outbox_email(email.id) is False
    assert len(list(outbox_dir.glob("*.eml"))) == count


def test_gives_up_after_max_attempts(app, monkeypatch):
    from app.notifications import services

    monkeypatch.setattr(services, "deliver", lambda *a: (_ for _ in ()).throw(OSError("no route")))
    email = OutboxEmail(to="x@example.com", subject="s", body="b", attempts=services.MAX_ATTEMPTS - 1)
    db.session.add(email)
    db.session.commit()
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
