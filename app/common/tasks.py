"""The background-task layer: Celery, eager when no broker is configured.

Work caused by a change is dispatched with `after_commit(task.delay, *ids)` (app/common/db.py)
in the same unit of work, once the change is durable: a rolled-back change sends nothing and a
committed one always leaves its row (e.g. the email outbox) for the task or a retry to pick up.
A task runs in an app context of its own, so in its own database session, also when it runs
eagerly inside a request; its writes go through their own `unit_of_work`.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask, current_app, has_app_context

from app.extensions import celery

# Periodic work, run by `celery -A run.celery beat` beside the workers. Without a broker nothing
# runs on its own: cron the matching `flask` command instead (README, "Background work").
BEAT_SCHEDULE = {
    "expire-unpaid-orders": {"task": "orders.expire_unpaid", "schedule": crontab(minute="*/5")},
    "reconcile-pending-payments": {"task": "payments.reconcile_pending", "schedule": crontab(minute="*/2")},
    "purge-expired-guest-carts": {"task": "cart.purge_expired", "schedule": crontab(hour=3, minute=15)},
    "purge-idempotency-keys": {"task": "orders.purge_idempotency_keys", "schedule": crontab(minute=40)},
    "send-pending-emails": {"task": "notifications.send_pending", "schedule": crontab(minute="*/5")},
    "release-seller-earnings": {"task": "sellers.release_earnings", "schedule": crontab(minute=20)},
    "reconcile-pending-top-ups": {"task": "wallet.reconcile_top_ups", "schedule": crontab(minute="*/2")},
    "send-due-payouts": {"task": "payouts.send_due", "schedule": crontab(minute="*/10")},
    "check-unsettled-payouts": {"task": "payouts.check_unsettled", "schedule": crontab(minute="*/5")},
}


def beat_schedule(config: Any) -> dict[str, Any]:
    """BEAT_SCHEDULE and the jobs whose time is a setting: scheduled payouts (PAYOUT_SCHEDULE,
    cron syntax: minute hour day-of-month month day-of-week)."""
    minute, hour, day, month, weekday = str(config["PAYOUT_SCHEDULE"]).split()
    return {
        **BEAT_SCHEDULE,
        "scheduled-payouts": {
            "task": "sellers.scheduled_payouts",
            "schedule": crontab(minute=minute, hour=hour, day_of_month=day, month_of_year=month, day_of_week=weekday),
        },
    }


def init_celery(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            # A fresh app context, even inside a request: Flask-SQLAlchemy scopes sessions by
            # app context, so the task never shares (or commits) the request's session. Run
            # eagerly inside an app, it is that app's (its settings), not the last one created.
            target = current_app._get_current_object() if has_app_context() else app  # type: ignore[attr-defined]
            with target.app_context():
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
        beat_schedule=beat_schedule(app.config),
    )
    celery.Task = FlaskTask
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
