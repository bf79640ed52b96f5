"""The background-task layer: the beat schedule names real tasks."""

from __future__ import annotations


def test_every_scheduled_job_names_a_registered_task(app):
    from app.common.tasks import BEAT_SCHEDULE
    from app.extensions import celery

    assert app.extensions["celery"].conf.beat_schedule == BEAT_SCHEDULE
    for job in BEAT_SCHEDULE.values():
        assert job["task"] in celery.tasks, job
