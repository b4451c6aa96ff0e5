"""A request to join proves its address first: nobody hears of it, and nobody can approve it, before then."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from conftest import PASSWORD, client_for
from openprm.accounts import services as accounts
from openprm.accounts.models import User
from openprm.audit.models import AuditEvent
from openprm.lib import clock
from openprm.partners import services as partners
from openprm.partners.exceptions import Conflict, JoinConfirmationInvalid
from openprm.partners.models import JoinRequest

ATTACKER_PASSWORD = "Attacker-chose-this-1"


@pytest.fixture
def acme_joinable(acme, acme_admin, channel_manager):
    """Acme, active, with its admin and the verified domain acme.test."""
    for stage in ("qualification", "negotiation", "onboarding", "active"):
        partners.change_stage(actor=channel_manager, partner=acme, stage=stage)
    domain = partners.add_domain(actor=acme_admin, partner=acme, domain="acme.test")
    partners.verify_domain(actor=channel_manager, domain=domain)
    mail.outbox.clear()
    return acme


def ask(client, email="ceo@acme.test", password=ATTACKER_PASSWORD, name="Chief Executive"):
    return client.post(reverse("partners:join"), {"full_name": name, "email": email, "password": password,
                                                  "password_again": password})


def link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/join/confirm/\S+)", message.body).group(1)


def test_an_unconfirmed_request_reaches_nobody_and_cannot_be_approved(
        client, acme_joinable, acme_admin, channel_manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client)
    join = JoinRequest.objects.get()
    assert join.status == "unconfirmed"
    # The only e-mail goes to the address typed in, not to the partner admin or the channel manager.
    assert [m.to for m in mail.outbox] == [["ceo@acme.test"]]
    assert "Chief Executive" not in client_for(acme_admin).get(reverse("accounts:portal_users")).content.decode()
    assert "ceo@acme.test" not in client_for(channel_manager).get(
        f"/console/partners/{acme_joinable.pk}/?tab=users").content.decode()
    # Not through the service, the portal or the console.
    with pytest.raises(Conflict, match="not confirmed"):
        partners.approve_join_request(actor=acme_admin, join=join)
    client_for(acme_admin).post(reverse("partners:portal_join_approve", args=[join.pk]), {"role": "partner_admin"})
    client_for(channel_manager).post(f"/console/join-requests/{join.pk}/approve/", {"role": "partner_admin"})
    assert not User.objects.filter(email="ceo@acme.test").exists()
    assert JoinRequest.objects.get().status == "unconfirmed"
    assert not AuditEvent.objects.filter(verb="join_request.approved").exists()


def test_confirming_the_link_sends_the_request_to_the_partner_admins(
        client, acme_joinable, acme_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, password=PASSWORD)
    link = link_in(mail.outbox[0])
    assert client.get(link).status_code == 200
    assert JoinRequest.objects.get().status == "unconfirmed"  # opening the link alone confirms nothing
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(link).status_code == 200
    join = JoinRequest.objects.get()
    assert join.status == "pending"
    assert [m.to for m in mail.outbox[1:]] == [["alice@acme.test"]]
    assert "Chief Executive" in client_for(acme_admin).get(reverse("accounts:portal_users")).content.decode()
    user = partners.approve_join_request(actor=acme_admin, join=join)
    assert user.check_password(PASSWORD)
    verbs = list(AuditEvent.objects.filter(object_id=str(join.pk), object_type="partners.joinrequest")
                 .order_by("id").values_list("verb", flat=True))
    assert verbs == ["join_request.created", "join_request.confirmed", "join_request.approved"]


def test_the_link_works_once(client, acme_joinable, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ask(client)
    link = link_in(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(link)
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(link)
    assert again.status_code == 400
    assert "invalid, expired or already used" in again.content.decode()
    assert client.get(link).status_code == 400
    assert len(mail.outbox) == 2  # the admin heard once
    assert AuditEvent.objects.filter(verb="join_request.confirmed").count() == 1


def test_the_link_expires_after_a_day(client, acme_joinable, settings):
    start = timezone.now()
    with clock.pinned(start):
        join = partners.request_to_join(email="ceo@acme.test", full_name="Chief", password=PASSWORD)
    token = partners.join_confirmation_token(join)
    with clock.pinned(start + timedelta(seconds=settings.JOIN_CONFIRMATION_SECONDS + 1)):
        with pytest.raises(JoinConfirmationInvalid):
            partners.confirm_join_request(token=token)
        assert client.post(reverse("partners:join_confirm", args=[token])).status_code == 400
    assert JoinRequest.objects.get().status == "unconfirmed"
    with clock.pinned(start + timedelta(hours=23)):
        assert partners.confirm_join_request(token=token).status == "pending"


def test_tampered_or_foreign_links_are_refused(client, acme_joinable):
    join = partners.request_to_join(email="ceo@acme.test", full_name="Chief", password=PASSWORD)
    token = partners.join_confirmation_token(join)
    other = partners.request_to_join(email="cfo@acme.test", full_name="Finance", password=PASSWORD)
    salt = partners.JOIN_CONFIRMATION_SALT
    address = signing.loads(token, salt=salt)["address"]
    mixed = signing.dumps({"join": other.pk, "address": address}, salt=salt)  # one's address, another's request
    other_key = signing.dumps({"join": join.pk, "address": address}, salt=salt, key="not-our-secret-key")
    unsalted = signing.dumps({"join": join.pk, "address": address})  # signed by us, but not for this purpose
    assert "ceo@acme.test" not in str(signing.loads(token, salt=salt))
    for bad in (token[:-2] + ("xx" if not token.endswith("xx") else "yy"), mixed, other_key, unsalted, "nonsense"):
        assert client.post(reverse("partners:join_confirm", args=[bad])).status_code == 400
    assert set(JoinRequest.objects.values_list("status", flat=True)) == {"unconfirmed"}


def test_a_newer_request_replaces_an_unconfirmed_one(client, acme_joinable, acme_admin,
                                                     django_capture_on_commit_callbacks):
    """A stranger who typed the CEO's address first neither gets in nor blocks the CEO."""
    with django_capture_on_commit_callbacks(execute=True):
        ask(client)  # the stranger
    with django_capture_on_commit_callbacks(execute=True):
        ask(client, password=PASSWORD)  # the CEO
    strangers_link, ceos_link = link_in(mail.outbox[0]), link_in(mail.outbox[1])
    assert client.post(strangers_link).status_code == 400
    assert client.post(ceos_link).status_code == 200
    join = JoinRequest.objects.get(status="pending")
    assert JoinRequest.objects.get(status="superseded").password == ""
    user = partners.approve_join_request(actor=acme_admin, join=join)
    assert user.check_password(PASSWORD) and not user.check_password(ATTACKER_PASSWORD)
    assert AuditEvent.objects.filter(verb="join_request.superseded").count() == 1


def test_a_link_followed_after_the_address_got_an_account_is_refused(client, acme_joinable, acme_admin):
    join = partners.request_to_join(email="ceo@acme.test", full_name="Chief", password=PASSWORD)
    accounts.create_user(actor=acme_admin, email="ceo@acme.test", role="partner_sales", partner=acme_joinable)
    response = client.post(reverse("partners:join_confirm", args=[partners.join_confirmation_token(join)]))
    assert response.status_code == 409
    assert "already exists" in response.content.decode()
    assert JoinRequest.objects.get().status == "unconfirmed"
