"""The background-task layer: Celery, eager when no broker is configured.

Work caused by a change is queued with `after_commit(task, *ids)` in the same unit of work and
dispatched by `commit()` once the change is durable, so a rolled-back change sends nothing and a
committed one always leaves its row (e.g. the email outbox) for the task or a retry to pick up.
"""
from __future__ import annotations

import importlib
import logging
from typing import Any

from celery import Celery, Task
from flask import Flask, has_app_context

from app.extensions import celery, db

log = logging.getLogger("duka.tasks")

_PENDING = "duka_pending_tasks"
# Every module defining tasks: imported at start-up so a worker knows them all by name.
TASK_MODULES = ("app.notifications.tasks",)


def init_celery(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            if has_app_context():
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    broker = app.config.get("CELERY_BROKER_URL")
    celery.conf.update(
        broker_url=broker or "memory://",
        result_backend=None,
        task_ignore_result=True,
        task_always_eager=not broker,
        task_eager_propagates=False,
        task_acks_late=True,
        task_default_queue="duka",
    )
    celery.Task = FlaskTask
    celery.set_default()
    for module in TASK_MODULES:
        importlib.import_module(module)
    app.extensions["celery"] = celery
    return celery


def after_commit(task: Task, *args: Any) -> None:
    """Run `task(*args)` once the current transaction commits (see `commit`)."""
    db.session.info.setdefault(_PENDING, []).append((task, args))


def commit() -> None:
    """Commit the session, then hand the work queued with `after_commit` to Celery."""
    try:
        db.session.commit()
    except Exception:
        db.session.info.pop(_PENDING, None)
        raise
    for task, args in db.session.info.pop(_PENDING, []):
        try:
            task.delay(*args)
        except Exception:  # broker down: the outbox row stays pending for `flask send-outbox`
            log.exception("could not dispatch %s%r", task.name, args)


def rollback() -> None:
    db.session.rollback()
    db.session.info.pop(_PENDING, None)
