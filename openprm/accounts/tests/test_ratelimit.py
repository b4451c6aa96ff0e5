"""The shared rate-limit counter: correct across connections (processes), windows timed by the clock."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import race
from openprm.accounts import ratelimit
from openprm.accounts.models import RateLimit
from openprm.lib import clock


@pytest.mark.django_db(transaction=True)
def test_simultaneous_hits_are_all_counted():
    """Ten requests at once, each on its own database connection as separate web processes would be."""
    outcomes = race([lambda: ratelimit.hit(scope="test", key="203.0.113.40", limit=4, window_seconds=3600)
                     for _ in range(10)])
    assert sorted(outcomes) == [False] * 6 + [True] * 4, outcomes
    assert RateLimit.objects.get(scope="test").count == 10


def test_keys_and_scopes_are_counted_apart(db):
    for _ in range(3):
        ratelimit.hit(scope="join:ip", key="203.0.113.41", limit=2, window_seconds=60)
    assert ratelimit.exceeded(scope="join:ip", key="203.0.113.41", limit=2, window_seconds=60)
    assert not ratelimit.exceeded(scope="apply:ip", key="203.0.113.41", limit=2, window_seconds=60)
    assert ratelimit.hit(scope="join:ip", key="203.0.113.42", limit=2, window_seconds=60)
    # Addresses are compared case-blind and stored only as hashes.
    ratelimit.hit(scope="join:address", key="CEO@Acme.test", limit=1, window_seconds=60)
    assert not ratelimit.hit(scope="join:address", key="ceo@acme.test", limit=1, window_seconds=60)
    assert not RateLimit.objects.filter(key_hash__icontains="acme").exists()


def test_a_new_window_starts_afresh_and_idle_counters_are_dropped(db):
    start = timezone.now()
    with clock.pinned(start):
        for _ in range(3):
            ratelimit.hit(scope="test", key="a", limit=2, window_seconds=600)
        ratelimit.hit(scope="test", key="b", limit=2, window_seconds=600)
    with clock.pinned(start + timedelta(seconds=599)):
        assert not ratelimit.hit(scope="test", key="a", limit=2, window_seconds=600)
    with clock.pinned(start + timedelta(seconds=601)):
        assert ratelimit.hit(scope="test", key="a", limit=2, window_seconds=600)
        assert not ratelimit.exceeded(scope="test", key="a", limit=2, window_seconds=600)
    with clock.pinned(start + timedelta(days=1, seconds=1)):
        ratelimit.hit(scope="test", key="c", limit=2, window_seconds=600)
    # "b" sat idle for a day and is gone; "a" was used later and stays.
    assert RateLimit.objects.filter(scope="test").count() == 2
