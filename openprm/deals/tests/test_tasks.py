from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from openprm.deals import services
from openprm.deals.models import RegistrationStatus
from openprm.lib import clock

from .conftest import submission


def run(*args):
    out = StringIO()
    call_command("jobs", *args, stdout=out)
    return out.getvalue()


def test_jobs_run_as_of_a_time_reminds_then_expires(active_acme, acme_rep, channel_manager):
    reg = services.register(actor=acme_rep, partner=active_acme, data=submission())
    services.approve(actor=channel_manager, registration=reg)
    in_25_days = (clock.moment() + timedelta(days=25)).isoformat()
    assert "deals.expiry_reminders: 1 reminder sent" in run("run", "deals.expiry_reminders", "--now", in_25_days)
    assert "0 reminders" in run("run", "deals.expiry_reminders", "--now", in_25_days)
    assert "deals.expire: 0 registrations expired" in run("run", "deals.expire", "--now", in_25_days)
    in_31_days = (clock.moment() + timedelta(days=31)).isoformat()
    assert "1 registration expired" in run("run", "--now", in_31_days)
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.EXPIRED


def test_jobs_list_and_bad_arguments(db):
    assert "deals.expire" in run("list")
    with pytest.raises(CommandError, match="Unknown job"):
        run("run", "nope")
    with pytest.raises(CommandError, match="ISO 8601"):
        run("run", "deals.expire", "--now", "yesterday")
