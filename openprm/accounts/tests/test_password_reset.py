"""Password reset by e-mail, end to end through the pages."""

import re

from django.test import Client

from conftest import PASSWORD
from openprm.accounts.models import LoginThrottle
from openprm.audit.models import AuditEvent

NEW_PASSWORD = "Another-long-passphrase-7"


def test_reset_by_email_end_to_end(acme_admin, mailoutbox, settings):
    client = Client()
    LoginThrottle.objects.create(email="alice@acme.test", failures=2)
    response = client.post("/password-reset/", {"email": "alice@acme.test"})
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["alice@acme.test"]]
    link = re.search(r"https?://\S+", mailoutbox[0].body).group(0)
    path = re.sub(r"^https?://[^/]+", "", link)
    form = client.get(path, follow=True)
    assert form.status_code == 200
    response = client.post(form.redirect_chain[-1][0] if form.redirect_chain else path,
                           {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    acme_admin.refresh_from_db()
    assert acme_admin.check_password(NEW_PASSWORD)
    assert not acme_admin.check_password(PASSWORD)
    assert AuditEvent.objects.filter(verb="user.password_reset", object_id=str(acme_admin.pk)).exists()
    assert not LoginThrottle.objects.filter(email="alice@acme.test").exists()

    fresh = Client()
    assert fresh.post("/login/", {"email": "alice@acme.test", "password": PASSWORD}).status_code == 200
    assert fresh.post("/login/", {"email": "alice@acme.test", "password": NEW_PASSWORD}).status_code == 302
    # The link is spent.
    again = Client().get(path, follow=True)
    assert "new_password1" not in again.content.decode()


def test_unknown_addresses_get_the_same_answer_and_no_mail(mailoutbox, db):
    response = Client().post("/password-reset/", {"email": "nobody@nowhere.test"})
    assert response.status_code == 302
    assert mailoutbox == []


def test_a_weak_new_password_is_refused(acme_admin, mailoutbox):
    client = Client()
    client.post("/password-reset/", {"email": "alice@acme.test"})
    path = re.sub(r"^https?://[^/]+", "", re.search(r"https?://\S+", mailoutbox[0].body).group(0))
    form = client.get(path, follow=True)
    response = client.post(form.redirect_chain[-1][0], {"new_password1": "123", "new_password2": "123"})
    assert response.status_code == 200
    acme_admin.refresh_from_db()
    assert acme_admin.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(verb="user.password_reset").exists()
