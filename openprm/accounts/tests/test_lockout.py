"""One lock-out for every way in: the sign-in page, the Django admin, password reset and API tokens.

Time is moved with openprm.lib.clock.pinned, never slept.
"""

from datetime import timedelta

import pytest
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory
from django.utils import timezone

from conftest import PASSWORD
from openprm.accounts import services
from openprm.accounts.models import RateLimit
from openprm.audit.models import AuditEvent
from openprm.lib import clock

LOCKED = "Too many failed sign-ins"
TOO_MANY = "Too many requests"


def sign_in(client, email, password, path="/login/"):
    return client.post(path, {"email": email, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail_five_times(email="ada@vendor.test"):
    client = Client()
    for _ in range(5):
        sign_in(client, email, "wrong-password")


def admin_form_accepts(email, password) -> bool:
    """What /admin/login/ would do if it still showed Django's own form: it calls authenticate()."""
    request = RequestFactory().post("/admin/login/")
    return AdminAuthenticationForm(request, data={"username": email, "password": password}).is_valid()


def test_after_five_failures_the_right_password_is_refused_on_every_entry_point(vendor_admin):
    fail_five_times()
    login = Client()
    response = sign_in(login, "ada@vendor.test", PASSWORD)
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert not signed_in(login)
    # The Django admin's login page and its form both refuse too.
    admin = Client()
    response = admin.post("/admin/login/?next=/admin/", {"username": "ada@vendor.test", "password": PASSWORD})
    assert not signed_in(admin)
    assert admin.get("/admin/").status_code == 302
    assert not admin_form_accepts("ada@vendor.test", PASSWORD)
    # And so does any other caller of Django's authenticate().
    assert authenticate(None, email="ada@vendor.test", password=PASSWORD) is None
    assert authenticate(None, username="ADA@vendor.test", password=PASSWORD) is None


def test_failures_on_the_admin_form_lock_the_sign_in_page(vendor_admin):
    for _ in range(5):
        assert not admin_form_accepts("Ada@Vendor.test", "wrong-password")
    response = sign_in(Client(), "ada@vendor.test", PASSWORD)
    assert LOCKED in response.content.decode()
    assert AuditEvent.objects.filter(verb="user.locked_out", object_id=str(vendor_admin.pk)).count() == 1


def test_the_admin_login_page_is_the_product_sign_in_and_admins_still_reach_the_admin(vendor_admin, acme_rep):
    response = Client().get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response.url == "/login/?next=/admin/accounts/user/"
    admin = Client()
    response = admin.post("/login/?next=/admin/", {"email": "ada@vendor.test", "password": PASSWORD})
    assert response.url == "/admin/"
    assert admin.get("/admin/").status_code == 200
    assert admin.get("/admin/accounts/user/").status_code == 200
    # Partner people sign in fine but the admin stays closed to them.
    rep = Client()
    sign_in(rep, "rick@acme.test", PASSWORD)
    assert signed_in(rep)
    assert rep.get("/admin/").status_code == 302


def test_the_lock_lasts_fifteen_minutes_from_the_fifth_failure(vendor_admin):
    start = timezone.now()
    with clock.pinned(start):
        fail_five_times()
    with clock.pinned(start + timedelta(minutes=14, seconds=59)):
        assert LOCKED in sign_in(Client(), "ada@vendor.test", PASSWORD).content.decode()
        assert authenticate(None, email="ada@vendor.test", password=PASSWORD) is None
    with clock.pinned(start + timedelta(minutes=15, seconds=1)):
        assert authenticate(None, email="ada@vendor.test", password=PASSWORD) == vendor_admin
        client = Client()
        assert sign_in(client, "ada@vendor.test", PASSWORD).status_code == 302
        assert signed_in(client)


def test_failures_further_apart_than_fifteen_minutes_do_not_lock(vendor_admin):
    start = timezone.now()
    with clock.pinned(start):
        for _ in range(4):
            assert not admin_form_accepts("ada@vendor.test", "wrong-password")
    with clock.pinned(start + timedelta(minutes=16)):
        assert not admin_form_accepts("ada@vendor.test", "wrong-password")
        assert admin_form_accepts("ada@vendor.test", PASSWORD)


def test_one_client_guessing_across_many_addresses_is_stopped(vendor_admin, acme_rep, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(3):
        assert LOCKED not in sign_in(guesser, f"someone{n}@vendor.test", "wrong-password").content.decode()
    assert LOCKED in sign_in(guesser, "someone3@vendor.test", "wrong-password").content.decode()
    # No single address is locked, but this client (more than 3 failures) is: even a right password from it is refused.
    response = sign_in(guesser, "rick@acme.test", PASSWORD)
    assert LOCKED in response.content.decode()
    assert not signed_in(guesser)
    # People elsewhere are not affected.
    assert sign_in(Client(REMOTE_ADDR="198.51.100.7"), "rick@acme.test", PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(verb="rate_limit.exceeded").count() == 1


def test_unknown_api_tokens_count_against_the_client(acme_admin, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    _, secret = services.create_token(actor=acme_admin, user=acme_admin, name="CRM")
    guesser = "203.0.113.10"
    for n in range(4):
        assert Client(HTTP_AUTHORIZATION=f"Bearer oprm_guess{n}", REMOTE_ADDR=guesser).get("/api/v1/me").status_code \
            == 401
    response = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR=guesser).get("/api/v1/me")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert Client(HTTP_AUTHORIZATION=f"Bearer {secret}", REMOTE_ADDR="198.51.100.8").get("/api/v1/me").status_code \
        == 200


def test_failed_sign_ins_and_bad_tokens_share_the_clients_budget(acme_admin, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    ip = "203.0.113.11"
    sign_in(Client(REMOTE_ADDR=ip), "x@vendor.test", "wrong")
    sign_in(Client(REMOTE_ADDR=ip), "y@vendor.test", "wrong")
    Client(HTTP_AUTHORIZATION="Bearer oprm_guess", REMOTE_ADDR=ip).get("/api/v1/me")
    Client(HTTP_AUTHORIZATION="Bearer oprm_guess", REMOTE_ADDR=ip).get("/api/v1/me")
    assert LOCKED in sign_in(Client(REMOTE_ADDR=ip), "alice@acme.test", PASSWORD).content.decode()


# ---------------------------------------------------------------- password reset


def test_password_reset_requests_are_limited_per_address(acme_admin, mailoutbox):
    client = Client()
    for _ in range(5):
        assert client.post("/password-reset/", {"email": "alice@acme.test"}).status_code == 302
    response = client.post("/password-reset/", {"email": "alice@acme.test"})
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert len(mailoutbox) == 5


def test_password_reset_requests_are_limited_per_client(acme_admin, mailoutbox, settings):
    settings.RATE_LIMIT_PER_IP = 3
    client = Client(REMOTE_ADDR="203.0.113.12")
    for n in range(3):
        assert client.post("/password-reset/", {"email": f"nobody{n}@nowhere.test"}).status_code == 302
    response = client.post("/password-reset/", {"email": "alice@acme.test"})
    assert response.status_code == 429
    assert mailoutbox == []
    # Another client may still ask for the same address.
    assert Client(REMOTE_ADDR="198.51.100.9").post("/password-reset/", {"email": "alice@acme.test"}).status_code \
        == 302
    assert [m.to for m in mailoutbox] == [["alice@acme.test"]]


def test_the_reset_limit_opens_again_after_the_window(acme_admin, mailoutbox):
    start = timezone.now()
    with clock.pinned(start):
        for _ in range(6):
            Client().post("/password-reset/", {"email": "alice@acme.test"})
    with clock.pinned(start + timedelta(minutes=61)):
        assert Client().post("/password-reset/", {"email": "alice@acme.test"}).status_code == 302
    assert len(mailoutbox) == 6


def test_a_reset_password_unlocks_the_address(vendor_admin):
    fail_five_times()
    services.set_password(actor=vendor_admin, user=vendor_admin, password="Brand-new-passphrase-9")
    assert authenticate(None, email="ada@vendor.test", password="Brand-new-passphrase-9") == vendor_admin


@pytest.mark.parametrize("header", ["203.0.113.1, 198.51.100.20", "198.51.100.20"])
def test_behind_a_proxy_the_client_is_the_last_forwarded_hop(acme_admin, mailoutbox, settings, header):
    settings.RATE_LIMIT_TRUST_X_FORWARDED_FOR = True
    settings.RATE_LIMIT_PER_IP = 1
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    Client(HTTP_X_FORWARDED_FOR=header, **proxy).post("/password-reset/", {"email": "a@nowhere.test"})
    # The same client behind the proxy is limited even when it writes its own first hop...
    response = Client(HTTP_X_FORWARDED_FOR=f"192.0.2.77, {header.split(',')[-1].strip()}", **proxy).post(
        "/password-reset/", {"email": "b@nowhere.test"})
    assert response.status_code == 429
    # ...and another client behind the same proxy is not.
    response = Client(HTTP_X_FORWARDED_FOR="198.51.100.21", **proxy).post("/password-reset/",
                                                                           {"email": "c@nowhere.test"})
    assert response.status_code == 302
    assert RateLimit.objects.filter(scope="password_reset:ip").count() == 2
