"""The `support.breaches` job run as operators run it: `openprm jobs run support.breaches --now ISO`."""

from datetime import timedelta

from django.core import mail
from django.core.management import call_command

from openprm.accounts.models import Notification
from openprm.support import services
from openprm.support.models import Ticket


def run(now):
    call_command("jobs", "run", "support.breaches", "--now", now.isoformat())


def test_job_flags_at_the_due_minute_and_mails_the_assignee_and_support(l2_ticket, vendor_support, t0,
                                                                        django_capture_on_commit_callbacks):
    services.assign(actor=vendor_support, ticket=l2_ticket, assignee=vendor_support)
    run(t0 + timedelta(hours=3, minutes=59))
    assert Ticket.objects.get(pk=l2_ticket.pk).first_response_breached_at is None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run(t0 + timedelta(hours=4))
    ticket = Ticket.objects.get(pk=l2_ticket.pk)
    assert ticket.first_response_breached_at == t0 + timedelta(hours=4)
    assert Notification.objects.filter(user=vendor_support, title__contains="First-response SLA breached").count() == 1
    assert any("First-response SLA breached" in m.subject and vendor_support.email in m.to for m in mail.outbox)


def test_job_never_flags_a_paused_ticket(l2_ticket, vendor_support, t0):
    from openprm.lib import clock

    with clock.pinned(t0 + timedelta(minutes=5)):
        services.add_comment(actor=vendor_support, ticket=l2_ticket, body="Send logs please.")
        services.set_status(actor=vendor_support, ticket=l2_ticket, status="waiting_on_partner")
    run(t0 + timedelta(days=5))
    assert Ticket.objects.get(pk=l2_ticket.pk).resolution_breached_at is None
