"""A real Celery worker on the real Redis broker runs the e-mail task (production's path, not the inline one)."""

import os
import time

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.core import mail

from openprm.accounts.tasks import send_email
from openprm.celery import app

REDIS_URL = os.environ.get("OPENPRM_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_celery():
    """Point the Celery app at Redis with a worker thread, then restore the inline test configuration."""
    redis.Redis.from_url(REDIS_URL).ping()  # fails loudly when the broker is down: CI starts it
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    app.conf.update(broker_url=REDIS_URL, task_always_eager=False)
    _drop_connection_pools()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(saved)
        _drop_connection_pools()


def _drop_connection_pools():
    """Connection pools are built for the broker of their time; rebuild them after switching brokers."""
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None


def test_it_sends_email_through_a_worker_on_redis(redis_celery, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_email.delay(to=["partner@acme.test"], subject="Hello from the worker", body="Body")
    # No result backend in OpenPRM (tasks report through the database), so wait for the e-mail itself.
    deadline = time.monotonic() + 20
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [m.subject for m in mail.outbox] == ["Hello from the worker"]
    assert mail.outbox[0].to == ["partner@acme.test"]
