"""The background-task layer: the beat schedule names real tasks."""

from __future__ import annotations


def test_every_scheduled_job_names_a_registered_task(app):
    from celery.schedules import crontab

    from app.common.tasks import BEAT_SCHEDULE, beat_schedule
    from app.extensions import celery

    schedule = app.extensions["celery"].conf.beat_schedule
    assert schedule == beat_schedule(app.config) and BEAT_SCHEDULE.items() <= schedule.items()
    # PAYOUT_SCHEDULE's default: weekly, Monday 06:00.
    assert schedule["scheduled-payouts"]["schedule"] == crontab(minute="0", hour="6", day_of_week="1")
    for job in schedule.values():
        assert job["task"] in celery.tasks, job
