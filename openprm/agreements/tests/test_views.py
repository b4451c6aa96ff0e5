from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import client_for
from openprm.agreements import services
from openprm.agreements.models import Agreement, AgreementStatus
from openprm.audit.models import AuditEvent

from .conftest import terms


def test_console_list_filters_and_csv(draft, active_soon, channel_manager, acme):
    client = client_for(channel_manager)
    page = client.get("/console/agreements/")
    assert page.status_code == 200
    assert f"#{draft.pk}" in page.content.decode() and f"#{active_soon.pk}" in page.content.decode()
    expiring = client.get("/console/agreements/?expiring=30").content.decode()
    assert f"#{active_soon.pk}" in expiring and f"#{draft.pk}<" not in expiring
    drafts = client.get("/console/agreements/?status=draft").content.decode()
    assert f"#{active_soon.pk}<" not in drafts and f"#{draft.pk}<" in drafts
    csv = client.get(f"/console/agreements/?partner={acme.pk}&format=csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode().strip().splitlines()
    assert lines[0].startswith("id,partner,kind,status") and len(lines) == 3


@pytest.fixture
def active_soon(acme, channel_manager, acme_admin):
    today = timezone.localdate()
    agreement = services.create_agreement(actor=channel_manager, partner=acme, data=terms(
        starts_on=today - timedelta(days=300), ends_on=today + timedelta(days=20), notice_days=10))
    services.send(actor=channel_manager, agreement=agreement)
    return services.sign(actor=acme_admin, agreement=agreement, signer_name="Alice Acme")


def test_console_list_paginates(acme, channel_manager):
    for _ in range(27):
        services.create_agreement(actor=channel_manager, partner=acme, data=terms())
    client = client_for(channel_manager)
    assert "1–25 of 27" in client.get("/console/agreements/").content.decode()
    assert "26–27 of 27" in client.get("/console/agreements/?page=2").content.decode()


def test_create_in_the_editor_with_inline_errors(acme, channel_manager):
    client = client_for(channel_manager)
    assert client.get(f"/console/agreements/new/?partner={acme.pk}").status_code == 200
    form = {"partner": acme.pk, "kind": "reseller", "starts_on": timezone.localdate().isoformat(),
            "territories": "US, Mars", "discount_percent": "50"}
    response = client.post("/console/agreements/new/", form)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Unknown territory: Mars" in content and "Bronze tier range of 15–20%" in content
    assert not Agreement.objects.exists()
    form.update(territories="US, europe", discount_percent="18", auto_renew="on")
    response = client.post("/console/agreements/new/", form)
    agreement = Agreement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/console/agreements/{agreement.pk}/"
    assert agreement.territories == ["US", "europe"] and agreement.auto_renew and agreement.status == "draft"
    assert agreement.support_split == "L1 partner; L2/L3 vendor" and agreement.ip_terms  # template's text


def test_edit_a_draft_only(draft, channel_manager):
    client = client_for(channel_manager)
    page = client.get(f"/console/agreements/{draft.pk}/edit/")
    assert page.status_code == 200 and "US, europe" in page.content.decode()
    data = {"kind": "reseller", "starts_on": draft.starts_on.isoformat(), "ends_on": draft.ends_on.isoformat(),
            "notice_days": "45", "territories": "DE", "discount_percent": "16",
            "support_split": "L1 partner; L2/L3 vendor"}
    assert client.post(f"/console/agreements/{draft.pk}/edit/", data).status_code == 302
    draft.refresh_from_db()
    assert draft.notice_days == 45 and draft.territories == ["DE"]
    services.send(actor=channel_manager, agreement=draft)
    assert client.get(f"/console/agreements/{draft.pk}/edit/").status_code == 302


def test_detail_send_and_terminate(draft, channel_manager, acme_admin):
    client = client_for(channel_manager)
    page = client.get(f"/console/agreements/{draft.pk}/").content.decode()
    for text in ("Scope", "Term and renewal", "Responsibilities", "Pricing", "L1 partner; L2/L3 vendor",
                 "Intellectual property", "Termination", "Commission plan", "Branding", "Signature",
                 "Status timeline", "drafted the reseller agreement", "Send for signature"):
        assert text in page, text
    assert client.post(f"/console/agreements/{draft.pk}/send/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.SENT
    refused = client.post(f"/console/agreements/{draft.pk}/terminate/", {"reason": ""}, follow=True)
    assert "Give the reason for the termination." in refused.content.decode()
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.SENT
    client.post(f"/console/agreements/{draft.pk}/terminate/", {"reason": "Partner withdrew"})
    draft.refresh_from_db()
    assert draft.status == AgreementStatus.TERMINATED
    assert "terminated the reseller agreement" in client.get(f"/console/agreements/{draft.pk}/").content.decode()


def test_printable_page_and_pdf(active, channel_manager, acme_rep):
    for client, side in ((client_for(channel_manager), "console"), (client_for(acme_rep), "portal")):
        page = client.get(f"/{side}/agreements/{active.pk}/print/").content.decode()
        assert "openprm/print.css" in page and "Alice Acme" in page and "203.0.113.7" in page
        assert "alice@acme.test" in page  # the signer's own e-mail is part of the signature
        pdf = client.get(f"/{side}/agreements/{active.pk}/pdf/")
        assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_portal_sign_flow(sent, acme_admin):
    client = client_for(acme_admin)
    assert "Review and sign" in client.get("/portal/agreements/").content.decode()
    page = client.get(f"/portal/agreements/{sent.pk}/sign/")
    assert page.status_code == 200 and "I agree" in page.content.decode()
    refused = client.post(f"/portal/agreements/{sent.pk}/sign/", {"signer_name": "Alice Acme"})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()  # the box is not ticked
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.SENT
    other = client.post(f"/portal/agreements/{sent.pk}/sign/", {"signer_name": "Someone Else", "agree": "on"})
    assert other.status_code == 200 and "Type your full name as on your account: Alice Acme" in other.content.decode()
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.SENT
    done = client.post(f"/portal/agreements/{sent.pk}/sign/", {"signer_name": "Alice Acme", "agree": "on"},
                       REMOTE_ADDR="198.51.100.4", HTTP_USER_AGENT="Mozilla/5.0 Test")
    assert done.status_code == 302
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.ACTIVE and sent.signer_ip == "198.51.100.4"
    assert (sent.signer_email, sent.signer_user_agent) == ("alice@acme.test", "Mozilla/5.0 Test")
    assert client.get(f"/portal/agreements/{sent.pk}/sign/").status_code == 302  # not waiting any more


def test_portal_non_admins_cannot_sign(sent, acme_rep):
    client = client_for(acme_rep)
    assert client.get(f"/portal/agreements/{sent.pk}/").status_code == 200
    assert client.post(f"/portal/agreements/{sent.pk}/sign/", {"signer_name": "Rick", "agree": "on"}).status_code == 403
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.SENT


def test_other_partner_and_manager_get_404(sent, globex_admin, other_manager):
    events = AuditEvent.objects.count()
    globex = client_for(globex_admin)
    for path in ("", "sign/", "print/", "pdf/"):
        assert globex.get(f"/portal/agreements/{sent.pk}/{path}").status_code == 404
    assert globex.post(f"/portal/agreements/{sent.pk}/sign/", {"signer_name": "G", "agree": "on"}).status_code == 404
    assert "Acme" not in globex.get("/portal/agreements/").content.decode()
    assert globex.get("/console/agreements/").status_code == 403
    manager = client_for(other_manager)
    for path in ("", "edit/", "print/", "pdf/"):
        assert manager.get(f"/console/agreements/{sent.pk}/{path}").status_code == 404
    assert manager.post(f"/console/agreements/{sent.pk}/terminate/", {"reason": "x"}).status_code == 404
    assert "Acme" not in manager.get("/console/agreements/").content.decode()
    sent.refresh_from_db()
    assert sent.status == AgreementStatus.SENT and AuditEvent.objects.count() == events


def test_anonymous_is_sent_to_sign_in(anon, sent):
    for path in ("/console/agreements/", f"/portal/agreements/{sent.pk}/"):
        response = anon.get(path)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_editor_chooses_a_commission_plan_from_the_real_plans(draft, channel_manager, reseller_plan):
    client = client_for(channel_manager)
    page = client.get(f"/console/agreements/{draft.pk}/edit/").content.decode()
    assert f'<option value="{reseller_plan.pk}">Reseller revenue share 10%</option>' in page
    data = {"kind": "reseller", "starts_on": draft.starts_on.isoformat(), "ends_on": draft.ends_on.isoformat(),
            "territories": "US", "discount_percent": "16", "support_split": "L1 partner; L2/L3 vendor",
            "commission_plan": str(reseller_plan.pk)}
    assert client.post(f"/console/agreements/{draft.pk}/edit/", data).status_code == 302
    draft.refresh_from_db()
    assert draft.commission_plan == reseller_plan
    assert "Reseller revenue share 10%" in client.get(f"/console/agreements/{draft.pk}/").content.decode()
    response = client.post(f"/console/agreements/{draft.pk}/edit/", {**data, "commission_plan": "99999"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


def test_send_is_confirmed_on_the_page_and_a_draft_has_no_terminate_panel(draft, channel_manager):
    """Issue 10, item 15: no JS confirm() dialog for sending; an unsent draft offers no termination."""
    client = client_for(channel_manager)
    page = client.get(f"/console/agreements/{draft.pk}/").content.decode()
    assert "data-confirm" not in page
    assert f'action="/console/agreements/{draft.pk}/send/"' not in page  # sending takes the confirm step
    assert "?confirm=send#confirm-send" in page
    assert f'action="/console/agreements/{draft.pk}/terminate/"' not in page
    confirm = client.get(f"/console/agreements/{draft.pk}/?confirm=send").content.decode()
    assert 'id="confirm-send"' in confirm and "can no longer be edited" in confirm
    assert f'action="/console/agreements/{draft.pk}/send/"' in confirm
    services.send(actor=channel_manager, agreement=draft)
    sent = client.get(f"/console/agreements/{draft.pk}/?confirm=send").content.decode()
    assert 'id="confirm-send"' not in sent  # nothing left to send
    assert f'action="/console/agreements/{draft.pk}/terminate/"' in sent  # a sent one can be withdrawn


def test_terms_render_as_escaped_paragraphs(acme, channel_manager):
    agreement = services.create_agreement(actor=channel_manager, partner=acme, data=terms(
        ip_terms="First clause.\n\nSecond <b>clause</b>.\n\nA clause the editor\nwrapped."))
    page = client_for(channel_manager).get(f"/console/agreements/{agreement.pk}/").content.decode()
    assert "<p>First clause.</p>" in page
    assert "<p>A clause the editor wrapped.</p>" in page
    assert "<p>Second &lt;b&gt;clause&lt;/b&gt;.</p>" in page
