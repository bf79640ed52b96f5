"""The process dies between the commit and the send: the email is in the outbox, and the
re-send (beat's job, `flask send-outbox`) delivers it after a restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import os, signal
    from app import create_app
    from app.common.db import unit_of_work
    from app.extensions import db
    import app.notifications.services as services

    app = create_app()
    with app.app_context():
        db.create_all()
        # Die right after the commit, where the send would start: kill -9, no cleanup.
        services.send_email.delay = lambda *_: os.kill(os.getpid(), signal.SIGKILL)
        with unit_of_work():
            services.queue_email("buyer@example.com", "Your order DKCRASH001", "Thank you.")
    """
)


def test_an_email_committed_before_a_crash_is_sent_after_the_restart(tmp_path):
    env = {
        **os.environ,
        "APP_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'crash.db'}",
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "CELERY_BROKER_URL": "",
        "LOG_LEVEL": "WARNING",
    }
    child = subprocess.run([sys.executable, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, timeout=120)
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()
    assert not list((tmp_path / "outbox").glob("*.eml"))  # nothing went out before the crash

    restart = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "run:app", "send-outbox"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restart.returncode == 0, restart.stderr
    assert "sent 1, failed 0" in restart.stdout
    [eml] = list((tmp_path / "outbox").glob("*.eml"))
    assert "Subject: Your order DKCRASH001" in eml.read_text()
