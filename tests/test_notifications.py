"""In-app notifications: each person sees only their own, and can mark them read."""

from conftest import client_for
from openprm.accounts.services import notify


def test_people_see_only_their_own_notifications(acme_admin, globex_admin, anon):
    notify(users=[acme_admin], subject="Acme-only news", summary="secret plan", template="accounts/email/generic.txt",
           context={"text": "secret plan"}, url="/portal/")
    notify(users=[globex_admin], subject="Globex news", summary="other", template="accounts/email/generic.txt",
           context={"text": "other"})
    acme_page = client_for(acme_admin).get("/notifications/").content.decode()
    globex_page = client_for(globex_admin).get("/notifications/").content.decode()
    assert "Acme-only news" in acme_page and "secret plan" in acme_page and "1 unread" in acme_page
    assert "Acme-only news" not in globex_page and "Globex news" in globex_page
    assert anon.get("/notifications/").status_code == 302


def test_marking_read_clears_the_unread_count(acme_admin):
    notify(users=[acme_admin], subject="One", summary="", template="accounts/email/generic.txt", context={"text": ""})
    client = client_for(acme_admin)
    response = client.post("/notifications/read/", follow=True)
    assert "0 unread" in response.content.decode()
    assert acme_admin.notifications.unread().count() == 0
    assert client.get("/notifications/read/").status_code == 405


def test_plain_text_emails_are_not_html_escaped(acme_admin, vendor_admin, acme, django_capture_on_commit_callbacks):
    """E-mails are text/plain: "O'Brien & Sons" must read as typed, not as O&#x27;Brien &amp; Sons."""
    from django.core import mail
    from django.template.loader import get_template

    from openprm.accounts import services

    with django_capture_on_commit_callbacks(execute=True):
        services.invite(actor=vendor_admin, email="sean@acme.test", role="partner_sales", partner=acme,
                        full_name="Seán O'Brien & Sons")
    body = mail.outbox[-1].body
    assert "O'Brien & Sons" in body and "&#x27;" not in body and "&amp;" not in body
    # Every e-mail template turns autoescaping off, so a new one cannot forget.
    import pathlib

    import openprm

    for path in pathlib.Path(openprm.__file__).parent.glob("*/templates/*/email/*.txt"):
        assert path.read_text().startswith("{% autoescape off %}"), path
        get_template(str(path.relative_to(path.parents[2])))  # still a valid template
