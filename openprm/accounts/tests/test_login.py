"""Signing in by e-mail, with lock-out after repeated failures."""

from datetime import timedelta

from django.utils import timezone

from conftest import PASSWORD
from openprm.accounts.models import LoginThrottle
from openprm.audit.models import AuditEvent

LOCKED = "Too many failed sign-ins"


def sign_in(client, email, password):
    return client.post("/login/", {"email": email, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_signing_in_by_email_sends_people_to_their_side(client, acme_admin, vendor_admin):
    response = sign_in(client, "ALICE@acme.test", PASSWORD)
    assert response.status_code == 302
    assert signed_in(client)
    assert client.get("/").url.endswith("/portal/")
    assert AuditEvent.objects.filter(verb="user.signed_in", actor=acme_admin).exists()
    client.post("/logout/")
    sign_in(client, "ada@vendor.test", PASSWORD)
    assert client.get("/").url.endswith("/console/")


def test_a_wrong_password_is_refused(client, acme_admin):
    response = sign_in(client, "alice@acme.test", "wrong-password")
    assert response.status_code == 200
    assert "The e-mail or password is not right." in response.content.decode()
    assert not signed_in(client)


def test_the_next_parameter_must_stay_on_this_site(client, acme_admin):
    response = client.post("/login/?next=https://evil.example/", {"email": "alice@acme.test", "password": PASSWORD})
    assert response.url == "/"
    client.post("/logout/")
    response = client.post("/login/?next=/portal/profile/", {"email": "alice@acme.test", "password": PASSWORD})
    assert response.url == "/portal/profile/"


def test_repeated_failures_lock_the_address_even_for_the_right_password(client, acme_admin, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(2):
        assert LOCKED not in sign_in(client, "alice@acme.test", "wrong").content.decode()
    response = sign_in(client, "alice@acme.test", "wrong")
    assert LOCKED in response.content.decode()
    response = sign_in(client, "alice@acme.test", PASSWORD)
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    assert not signed_in(client)
    assert AuditEvent.objects.filter(verb="user.locked_out", object_id=str(acme_admin.pk)).count() == 1


def test_addresses_are_locked_independently(client, acme_admin, acme_rep, settings):
    settings.LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        sign_in(client, "alice@acme.test", "wrong")
    assert sign_in(client, "rick@acme.test", PASSWORD).status_code == 302


def test_a_success_clears_the_failures(client, acme_admin, settings):
    settings.LOGIN_MAX_FAILURES = 3
    sign_in(client, "alice@acme.test", "wrong")
    sign_in(client, "alice@acme.test", "wrong")
    assert sign_in(client, "alice@acme.test", PASSWORD).status_code == 302
    assert not LoginThrottle.objects.filter(email="alice@acme.test").exists()
    client.post("/logout/")
    sign_in(client, "alice@acme.test", "wrong")
    sign_in(client, "alice@acme.test", "wrong")
    assert sign_in(client, "alice@acme.test", PASSWORD).status_code == 302  # two new failures: not locked


def test_the_lock_expires(client, acme_admin, settings):
    settings.LOGIN_MAX_FAILURES = 2
    sign_in(client, "alice@acme.test", "wrong")
    sign_in(client, "alice@acme.test", "wrong")
    assert LOCKED in sign_in(client, "alice@acme.test", PASSWORD).content.decode()
    LoginThrottle.objects.filter(email="alice@acme.test").update(locked_until=timezone.now() - timedelta(seconds=1))
    assert sign_in(client, "alice@acme.test", PASSWORD).status_code == 302


def test_unknown_addresses_are_throttled_too(client, settings, db):
    settings.LOGIN_MAX_FAILURES = 2
    sign_in(client, "nobody@nowhere.test", "x")
    assert LOCKED in sign_in(client, "nobody@nowhere.test", "x").content.decode()


def test_inactive_users_cannot_sign_in(client, acme_admin):
    acme_admin.is_active = False
    acme_admin.save()
    assert sign_in(client, "alice@acme.test", PASSWORD).status_code == 200
    assert not signed_in(client)
