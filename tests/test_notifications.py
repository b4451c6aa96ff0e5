"""In-app notifications: each person sees only their own, and can mark them read."""

from conftest import client_for
from openprm.accounts.services import notify


def test_people_see_only_their_own_notifications(acme_admin, globex_admin, anon):
    notify(users=[acme_admin], subject="Acme-only news", template="accounts/email/generic.txt",
           context={"text": "secret plan"}, url="/portal/")
    notify(users=[globex_admin], subject="Globex news", template="accounts/email/generic.txt",
           context={"text": "other"})
    acme_page = client_for(acme_admin).get("/notifications/").content.decode()
    globex_page = client_for(globex_admin).get("/notifications/").content.decode()
    assert "Acme-only news" in acme_page and "secret plan" in acme_page and "1 unread" in acme_page
    assert "Acme-only news" not in globex_page and "Globex news" in globex_page
    assert anon.get("/notifications/").status_code == 302


def test_marking_read_clears_the_unread_count(acme_admin):
    notify(users=[acme_admin], subject="One", template="accounts/email/generic.txt", context={"text": ""})
    client = client_for(acme_admin)
    response = client.post("/notifications/read/", follow=True)
    assert "0 unread" in response.content.decode()
    assert acme_admin.notifications.unread().count() == 0
    assert client.get("/notifications/read/").status_code == 405
