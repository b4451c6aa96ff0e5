from datetime import date

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from openprm.agreements import services
from openprm.agreements.models import Agreement, AgreementStatus
from openprm.partners.models import Partner

from .conftest import terms

# A calendar year that has not started yet, so sending and signing today are valid whenever the tests run.
Y = timezone.localdate().year + 1


def run(job, day):
    call_command("jobs", "run", job, "--now", f"{day}T08:00:00")


@pytest.fixture
def signed_next_year(acme, channel_manager, acme_admin):
    """Signed now for the calendar year Y: 60 days' notice (notice date 1 November)."""
    agreement = services.create_agreement(actor=channel_manager, partner=acme, data=terms(
        starts_on=f"{Y}-01-01", ends_on=f"{Y}-12-31", notice_days=60))
    services.send(actor=channel_manager, agreement=agreement)
    return services.sign(actor=acme_admin, agreement=agreement, signer_name="Alice Acme", today=date(Y - 1, 12, 1))


def test_activation_on_the_start_date(signed_next_year):
    assert signed_next_year.status == AgreementStatus.SIGNED
    run("agreements.activate", f"{Y - 1}-12-31")
    signed_next_year.refresh_from_db()
    assert signed_next_year.status == AgreementStatus.SIGNED
    run("agreements.activate", f"{Y}-01-01")
    signed_next_year.refresh_from_db()
    assert signed_next_year.status == AgreementStatus.ACTIVE and signed_next_year.activated_at


def test_reminders_go_once_and_only_at_the_right_time(signed_next_year, acme_admin, acme_rep, channel_manager,
                                                      globex_admin, django_capture_on_commit_callbacks):
    Agreement.objects.filter(pk=signed_next_year.pk).update(status=AgreementStatus.ACTIVE)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run("agreements.reminders", f"{Y}-09-30")  # 32 days before the notice date: too early
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        run("agreements.reminders", f"{Y}-10-02")  # within 30 days of 1 Nov
    assert sorted(m.to[0] for m in mail.outbox) == sorted([acme_admin.email, channel_manager.email])
    assert all("Notice date" in m.subject for m in mail.outbox)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run("agreements.reminders", f"{Y}-10-20")
        run("agreements.reminders", f"{Y}-11-15")  # past the notice date, not yet 30 days before the end
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        run("agreements.reminders", f"{Y}-12-01")  # 30 days before the end
        run("agreements.reminders", f"{Y}-12-02")
    assert len(mail.outbox) == 2 and all("ends soon" in m.subject for m in mail.outbox)
    signed_next_year.refresh_from_db()
    assert signed_next_year.notice_reminder_sent_on == date(Y, 10, 2)
    assert signed_next_year.expiry_reminder_sent_on == date(Y, 12, 1)


def test_no_reminders_for_drafts_or_ended(acme, channel_manager, django_capture_on_commit_callbacks):
    services.create_agreement(actor=channel_manager, partner=acme, data=terms(starts_on=f"{Y}-01-01",
                                                                              ends_on=f"{Y}-12-31"))
    with django_capture_on_commit_callbacks(execute=True):
        run("agreements.reminders", f"{Y}-12-15")
    assert mail.outbox == []


def test_expiry_without_auto_renew(signed_next_year, acme_admin, django_capture_on_commit_callbacks):
    run("agreements.activate", f"{Y}-01-01")
    run("agreements.renew", f"{Y}-12-31")
    signed_next_year.refresh_from_db()
    assert signed_next_year.status == AgreementStatus.ACTIVE  # its last day
    with django_capture_on_commit_callbacks(execute=True):
        run("agreements.renew", f"{Y + 1}-01-01")
    signed_next_year.refresh_from_db()
    assert signed_next_year.status == AgreementStatus.EXPIRED and not signed_next_year.renewals.exists()
    assert any("expired" in m.subject for m in mail.outbox)


def test_auto_renew_creates_the_next_term_once(signed_next_year, acme):
    Agreement.objects.filter(pk=signed_next_year.pk).update(auto_renew=True)
    run("agreements.activate", f"{Y}-01-01")
    run("agreements.renew", f"{Y + 1}-01-01")
    run("agreements.renew", f"{Y + 1}-01-02")
    signed_next_year.refresh_from_db()
    assert signed_next_year.status == AgreementStatus.RENEWED
    renewal = Agreement.objects.get(renewed_from=signed_next_year)
    assert renewal.status == AgreementStatus.ACTIVE
    assert (renewal.starts_on, renewal.ends_on) == (date(Y + 1, 1, 1), date(Y + 1, 12, 31))
    assert renewal.signer_name == "Alice Acme" and renewal.discount_percent == signed_next_year.discount_percent
    assert Agreement.objects.filter(partner=acme).count() == 2
    assert services.active_territories(Partner.objects.get(pk=acme.pk), date(Y + 1, 6, 1)) >= {"US", "FR"}
