"""The Celery app: broker from REDIS_URL, tasks discovered in every app's tasks.py."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openprm.settings")

app = Celery("openprm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _install_beat_schedule(sender, **kwargs):
    """Scheduled jobs come from one registry (openprm/schedule.py), shared with `openprm jobs run`."""
    from openprm.schedule import beat_schedule

    sender.conf.beat_schedule = beat_schedule()
