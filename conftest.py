"""The shared cast every test can use (ARCHITECTURE "Tests").

A program admin, a channel manager who owns Acme, partner Acme's admin and sales rep, and partner
Globex's admin — who must never see anything of Acme's.
"""

import os
import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connections
from django.test import Client

from openprm.accounts import services as accounts
from openprm.partners import services as partners

PASSWORD = "Corr3ct-horse-battery"


def pytest_addoption(parser):
    parser.addoption("--today", default=os.environ.get("OPENPRM_TEST_TODAY", ""),
                     help="run the whole suite with the clock pinned to this date (YYYY-MM-DD), e.g. 2028-02-29; "
                          "also read from OPENPRM_TEST_TODAY. The clock still ticks from 10:00 UTC of that day.")


def pytest_configure(config):
    """Travel the whole run to `--today` when given, so the suite proves it passes on any day (a test that
    passes today must pass next year). Started here, before collection, so even module-level dates see it;
    each xdist worker configures itself the same way. Without the option the suite runs on the real date."""
    value = config.getoption("--today")
    if value:
        destination = datetime.fromisoformat(value).replace(hour=10, tzinfo=UTC)
        config._openprm_traveller = time_machine.travel(destination, tick=True)
        config._openprm_traveller.start()


def pytest_unconfigure(config):
    traveller = getattr(config, "_openprm_traveller", None)
    if traveller is not None:
        traveller.stop()


def pytest_report_header(config):
    value = config.getoption("--today")
    return f"clock pinned to {value} (--today)" if value else None


def make_user(email, role, partner=None, full_name=""):
    return accounts.create_user(actor=None, email=email, role=role, partner=partner, password=PASSWORD,
                                full_name=full_name or email.split("@")[0].title())


@pytest.fixture
def vendor_admin(db):
    return make_user("ada@vendor.test", "admin", full_name="Ada Admin")


@pytest.fixture
def channel_manager(db):
    return make_user("cmo@vendor.test", "channel_manager", full_name="Carl Manager")


@pytest.fixture
def other_manager(db):
    return make_user("olga@vendor.test", "channel_manager", full_name="Olga Other")


@pytest.fixture
def finance_user(db):
    return make_user("fin@vendor.test", "finance", full_name="Fiona Finance")


@pytest.fixture
def acme(vendor_admin, channel_manager):
    return partners.create_partner(actor=vendor_admin, data={
        "name": "Acme Systems", "types": ["reseller"], "country": "US", "domain": "acme.test",
        "manager": channel_manager, "time_zone": "America/New_York",
    })


@pytest.fixture
def globex(vendor_admin, other_manager):
    return partners.create_partner(actor=vendor_admin, data={
        "name": "Globex GmbH", "types": ["technology", "msp"], "country": "DE", "domain": "globex.test",
        "manager": other_manager,
    })


@pytest.fixture
def acme_admin(acme):
    return make_user("alice@acme.test", "partner_admin", partner=acme, full_name="Alice Acme")


@pytest.fixture
def acme_rep(acme):
    return make_user("rick@acme.test", "partner_sales", partner=acme, full_name="Rick Rep")


@pytest.fixture
def globex_admin(globex):
    return make_user("gina@globex.test", "partner_admin", partner=globex, full_name="Gina Globex")


def race(jobs):
    """Run the callables at once from separate threads (each with its own connection); collect outcomes, an
    exception standing for a refusal. For concurrency tests (transactional DB)."""
    barrier = threading.Barrier(len(jobs))
    outcomes = [None] * len(jobs)

    def run(index, job):
        try:
            barrier.wait()
            outcomes[index] = job()
        except Exception as exc:  # the outcome under test may be a refusal
            outcomes[index] = exc
        finally:
            connections.close_all()  # this thread's own connections, so none outlives the test

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def client_for(user) -> Client:
    """A browser-like client signed in as `user` (session auth, as the web UIs use)."""
    client = Client()
    client.force_login(user)
    return client


def api_client_for(user) -> Client:
    """An API client carrying a fresh bearer token of `user`."""
    _, secret = accounts.create_token(actor=None, user=user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def anon():
    return Client()
