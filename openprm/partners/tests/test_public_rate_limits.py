"""/apply/ and /join/ are limited per e-mail address and per client, and a filled honeypot keeps nothing."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD
from openprm.accounts.models import RateLimit
from openprm.audit.models import AuditEvent
from openprm.lib import clock
from openprm.partners import services as partners
from openprm.partners.models import Contact, JoinRequest, Partner

TOO_MANY = "Too many requests from you"


def application(n, email="founder@gmail.com"):
    # A webmail address claims no domain, so the same person may apply for several companies.
    return {"company_name": f"Spam Co {n}", "country": "US", "types": ["reseller"], "contact_name": "Sam Spam",
            "contact_email": email}


def join(email):
    return {"full_name": "Jo Joiner", "email": email, "password": PASSWORD, "password_again": PASSWORD}


@pytest.fixture
def acme_joinable(acme, acme_admin, channel_manager):
    for stage in ("qualification", "negotiation", "onboarding", "active"):
        partners.change_stage(actor=channel_manager, partner=acme, stage=stage)
    domain = partners.add_domain(actor=acme_admin, partner=acme, domain="acme.test")
    partners.verify_domain(actor=channel_manager, domain=domain)
    mail.outbox.clear()
    return acme


def test_applications_are_limited_per_address(vendor_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(5):
            assert Client().post(reverse("partners:apply"), application(n)).status_code == 302
    mails = len(mail.outbox)
    assert mails == 10  # the vendor admin and the applicant, each time
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(reverse("partners:apply"), application(5))
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert Partner.objects.count() == 5
    assert len(mail.outbox) == mails
    assert AuditEvent.objects.filter(verb="rate_limit.exceeded").count() == 1


def test_applications_are_limited_per_client(vendor_admin, settings, django_capture_on_commit_callbacks):
    settings.RATE_LIMIT_PER_IP = 3
    script = Client(REMOTE_ADDR="203.0.113.30")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            assert script.post(reverse("partners:apply"), application(n, f"a{n}@gmail.com")).status_code == 302
    mails = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        response = script.post(reverse("partners:apply"), application(3, "a3@gmail.com"))
    assert response.status_code == 429
    assert Partner.objects.count() == 3 and len(mail.outbox) == mails
    # Someone else applies fine.
    other = Client(REMOTE_ADDR="198.51.100.30").post(reverse("partners:apply"), application(4, "b@gmail.com"))
    assert other.status_code == 302


def test_join_requests_are_limited_per_address(acme_joinable, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            assert Client().post(reverse("partners:join"), join("ceo@acme.test")).status_code == 302
        response = Client().post(reverse("partners:join"), join("ceo@acme.test"))
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert JoinRequest.objects.count() == 5
    assert [m.to for m in mail.outbox] == [["ceo@acme.test"]] * 5


def test_join_requests_are_limited_per_client(acme_joinable, settings, django_capture_on_commit_callbacks):
    settings.RATE_LIMIT_PER_IP = 3
    script = Client(REMOTE_ADDR="203.0.113.31")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            script.post(reverse("partners:join"), join(f"person{n}@acme.test"))
        response = script.post(reverse("partners:join"), join("person3@acme.test"))
    assert response.status_code == 429
    assert JoinRequest.objects.count() == 3 and len(mail.outbox) == 3
    # Attempts count even when refused for another reason: probing domains spends the budget too.
    assert script.post(reverse("partners:join"), join("x@elsewhere.test")).status_code == 429


def test_the_limit_opens_again_after_an_hour(acme_joinable):
    start = timezone.now()
    with clock.pinned(start):
        for _ in range(6):
            Client().post(reverse("partners:join"), join("ceo@acme.test"))
    with clock.pinned(start + timedelta(minutes=59)):
        assert Client().post(reverse("partners:join"), join("ceo@acme.test")).status_code == 429
    with clock.pinned(start + timedelta(minutes=61)):
        assert Client().post(reverse("partners:join"), join("ceo@acme.test")).status_code == 302


# ---------------------------------------------------------------- honeypot


@pytest.mark.parametrize("page, data, thanks", [
    ("partners:apply", application(1), "partners:apply_thanks"),
    ("partners:join", join("ceo@acme.test"), "partners:join_sent"),
    # Even an otherwise invalid submission learns nothing from error messages.
    ("partners:apply", {"contact_email": "nonsense"}, "partners:apply_thanks"),
    ("partners:join", {"email": "nonsense"}, "partners:join_sent"),
])
def test_a_filled_honeypot_shows_the_same_thanks_and_keeps_and_sends_nothing(
        acme_joinable, django_capture_on_commit_callbacks, page, data, thanks):
    events = AuditEvent.objects.count()
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse(page), {**data, "website_confirm": "https://spam.test"}, follow=True)
    assert response.redirect_chain == [(reverse(thanks), 302)]
    assert [t.name for t in response.templates] == [t.name for t in Client().get(reverse(thanks)).templates]
    assert Partner.objects.count() == 1 and not Contact.objects.exists()
    assert not JoinRequest.objects.exists()
    assert not RateLimit.objects.exists()
    assert AuditEvent.objects.count() == events
    assert mail.outbox == []


@pytest.mark.parametrize("page", ["partners:apply", "partners:join"])
def test_the_honeypot_is_a_text_box_people_do_not_see(client, db, page):
    html = client.get(reverse(page)).content.decode()
    tag = next(part for part in html.split("<input") if 'name="website_confirm"' in part)
    assert 'type="text"' in tag  # bots skip type=hidden
    assert 'class="visually-hidden"' in tag and 'tabindex="-1"' in tag and 'autocomplete="off"' in tag
