"""Agreement templates: versions published and switched on or off by program admins, through the services
(console pages and API), each change audited; agreements keep the version they were made from."""

import pytest
from django.contrib.auth import get_user_model

from conftest import api_client_for, client_for
from openprm.agreements import services
from openprm.agreements.exceptions import NotAllowed, ValidationFailed
from openprm.agreements.models import Agreement, AgreementTemplate
from openprm.audit.models import AuditEvent

from .conftest import terms


def versions(kind="reseller"):
    return list(AgreementTemplate.objects.filter(kind=kind).order_by("version").values_list("version", "active"))


def template_events():
    return list(AuditEvent.objects.filter(object_type="agreements.agreementtemplate")
                .order_by("id").values_list("verb", "object_id", "actor_label"))


# ---------------------------------------------------------------- services

def test_publishing_creates_the_next_version_and_switches_the_active_one(vendor_admin):
    v1 = AgreementTemplate.current("reseller")
    v2 = services.publish_template_version(actor=vendor_admin, kind="reseller",
                                           data={"payment_terms_days": 45, "ip_terms": "New IP terms."})
    assert (v2.version, v2.active, v2.created_by) == (2, True, vendor_admin)
    assert v2.payment_terms_days == 45 and v2.ip_terms == "New IP terms."
    assert v2.body == v1.body and v2.title == v1.title  # the rest comes from the current version
    assert versions() == [(1, False), (2, True)]
    assert AgreementTemplate.current("reseller") == v2
    v1.refresh_from_db()
    assert v1.payment_terms_days == 30 and v1.ip_terms != "New IP terms."  # the old version is never edited
    assert versions("oem") == [(1, True)]  # other kinds untouched
    assert [c["field"] for c in v2.changes_from(v2.previous())] == ["payment_terms_days", "ip_terms"]

    v3 = services.publish_template_version(actor=vendor_admin, kind="reseller", data={"notice_days": 30})
    assert v3.version == 3 and v3.payment_terms_days == 45  # built from v2, the current one
    assert versions() == [(1, False), (2, False), (3, True)]


def test_publishing_is_audited(vendor_admin):
    v1 = AgreementTemplate.current("reseller")
    v2 = services.publish_template_version(actor=vendor_admin, kind="reseller", data={"notice_days": 45})
    assert template_events() == [("agreement_template.deactivated", str(v1.pk), vendor_admin.email),
                                 ("agreement_template.published", str(v2.pk), vendor_admin.email)]
    published = AuditEvent.objects.get(verb="agreement_template.published")
    assert published.changes["version"] == [None, 2] and published.changes["notice_days"] == [None, 45]
    assert published.note == "from version 1"
    assert AuditEvent.objects.get(verb="agreement_template.deactivated").changes == {"active": [True, False]}


def test_agreements_keep_the_version_they_were_made_from(acme, channel_manager, vendor_admin):
    before = services.create_agreement(actor=channel_manager, partner=acme, data=terms())
    services.publish_template_version(actor=vendor_admin, kind="reseller",
                                      data={"termination_terms": "Ninety days' notice, in writing."})
    after = services.create_agreement(actor=channel_manager, partner=acme, data=terms())
    before.refresh_from_db()
    assert (before.template.version, before.template_version) == (1, 1)
    assert (after.template.version, after.template_version) == (2, 2)
    assert after.termination_terms == "Ninety days' notice, in writing."
    assert before.termination_terms != after.termination_terms
    # Editing the older draft keeps its version.
    services.update_agreement(actor=channel_manager, agreement=before, data={"notice_days": 30})
    before.refresh_from_db()
    assert before.template_version == 1


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"body": "  "}, "body", "Write the standard terms."),
    ({"ip_terms": ""}, "ip_terms", "Write the intellectual property terms."),
    ({"support_split": ""}, "support_split", "Say who gives which level of support"),
    ({"title": "x" * 201}, "title", "At most 200 characters."),
    ({"default_term_months": 0}, "default_term_months", "between 1 and 120"),
    ({"default_term_months": 121}, "default_term_months", "between 1 and 120"),
    ({"default_term_months": "twelve"}, "default_term_months", "Enter a whole number of months."),
    ({"default_term_months": 3, "notice_days": 84}, "notice_days", "shorter than the term: under 84 days"),
    ({"payment_terms_days": 366}, "payment_terms_days", "between 0 and 365"),
    ({"payment_terms_days": -1}, "payment_terms_days", "between 0 and 365"),
    ({"version": 7}, "version", "Unknown field."),
])
def test_invalid_versions_are_refused_and_nothing_is_written(vendor_admin, data, field, message):
    with pytest.raises(ValidationFailed) as exc:
        services.publish_template_version(actor=vendor_admin, kind="reseller", data=data)
    assert message in " ".join(exc.value.errors[field])
    assert versions() == [(1, True)] and template_events() == []


def test_every_problem_is_named_at_once_and_unchanged_versions_are_refused(vendor_admin):
    with pytest.raises(ValidationFailed) as exc:
        services.publish_template_version(actor=vendor_admin, kind="reseller",
                                          data={"body": "", "payment_terms_days": 400})
    assert set(exc.value.errors) == {"body", "payment_terms_days"}
    with pytest.raises(ValidationFailed, match="Nothing changed"):
        services.publish_template_version(actor=vendor_admin, kind="reseller", data={})
    with pytest.raises(ValidationFailed) as exc:
        services.publish_template_version(actor=vendor_admin, kind="franchise", data={"notice_days": 30})
    assert "kind" in exc.value.errors
    assert versions() == [(1, True)] and template_events() == []


def test_only_program_admins_manage_templates(channel_manager, acme_admin, finance_user):
    v1 = AgreementTemplate.current("reseller")
    for actor in (channel_manager, acme_admin, finance_user, None):
        with pytest.raises(NotAllowed):
            services.publish_template_version(actor=actor, kind="reseller", data={"notice_days": 30})
        with pytest.raises(NotAllowed):
            services.set_template_active(actor=actor, template=v1, active=False)
    assert versions() == [(1, True)] and template_events() == []


def test_switching_versions_keeps_at_most_one_active(vendor_admin, acme, channel_manager):
    v1 = AgreementTemplate.current("reseller")
    v2 = services.publish_template_version(actor=vendor_admin, kind="reseller", data={"notice_days": 45})
    services.set_template_active(actor=vendor_admin, template=v1, active=True)
    assert versions() == [(1, True), (2, False)]
    assert template_events()[-2:] == [("agreement_template.deactivated", str(v2.pk), vendor_admin.email),
                                      ("agreement_template.activated", str(v1.pk), vendor_admin.email)]
    count = len(template_events())
    services.set_template_active(actor=vendor_admin, template=v1, active=True)  # already on: nothing happens
    assert len(template_events()) == count

    services.set_template_active(actor=vendor_admin, template=v1, active=False)
    assert versions() == [(1, False), (2, False)] and AgreementTemplate.current("reseller") is None
    with pytest.raises(ValidationFailed) as exc:
        services.create_agreement(actor=channel_manager, partner=acme, data=terms())
    assert "no active reseller agreement template" in exc.value.errors["kind"][0]
    # Publishing when no version is active builds on the newest one.
    v3 = services.publish_template_version(actor=vendor_admin, kind="reseller", data={"notice_days": 20})
    assert v3.version == 3 and v3.payment_terms_days == v2.payment_terms_days
    assert versions() == [(1, False), (2, False), (3, True)]


# ---------------------------------------------------------------- console pages

def test_templates_page_lists_kinds_versions_and_agreement_counts(vendor_admin, draft):
    v2 = services.publish_template_version(actor=vendor_admin, kind="reseller", data={"title": "Reseller 2027"})
    client = client_for(vendor_admin)
    page = client.get("/console/agreements/templates/")
    assert page.status_code == 200
    content = page.content.decode()
    for label in ("Reseller", "Referral", "OEM", "Technology", "Co-marketing", "Distributor"):
        assert f"<h2>{label}</h2>" in content
    assert f'href="/console/agreements/templates/{v2.pk}/">version 2</a> — Reseller 2027' in content
    assert f'href="/console/agreements/templates/{draft.template_id}/">v1</a>' in content
    # One agreement was drafted from reseller v1.
    row = content[content.index(f"/console/agreements/templates/{draft.template_id}/"):]
    assert '<td class="num">1</td>' in row[:row.index("</tr>")]
    # The agreements list links to it, for program admins only.
    assert 'href="/console/agreements/templates/">Templates</a>' in client.get("/console/agreements/").content.decode()


def test_version_page_shows_the_text_and_the_changes_from_the_previous_version(vendor_admin):
    v1 = AgreementTemplate.current("reseller")
    v2 = services.publish_template_version(actor=vendor_admin, kind="reseller", data={
        "payment_terms_days": 45, "termination_terms": v1.termination_terms + "\nNew closing clause."})
    client = client_for(vendor_admin)
    content = client.get(f"/console/agreements/templates/{v2.pk}/").content.decode()
    assert "Changes from" in content and f'href="/console/agreements/templates/{v1.pk}/">version 1</a>' in content
    assert "<del>30</del> → <ins>45</ins>" in content
    assert '<span class="diff-line added">+ New closing clause.</span>' in content
    assert "Standard terms" in content and "L1 partner; L2/L3 vendor" in content
    assert "Publish version 3" in content and 'value="45"' in content  # the form is prefilled from this version
    first = client.get(f"/console/agreements/templates/{v1.pk}/").content.decode()
    assert "The first version of this template." in first and "retired" in first


def form_of(template, **changes):
    data = {field: getattr(template, field) for field in
            ("title", "body", "default_term_months", "notice_days", "payment_terms_days", "responsibilities_vendor",
             "responsibilities_partner", "support_split", "ip_terms", "termination_terms")}
    data.update(changes)
    return data


def test_publishing_from_the_page(vendor_admin):
    v1 = AgreementTemplate.current("reseller")
    client = client_for(vendor_admin)
    response = client.post(f"/console/agreements/templates/{v1.pk}/", form_of(v1, notice_days=30))
    v2 = AgreementTemplate.current("reseller")
    assert v2.version == 2 and v2.notice_days == 30
    assert response.status_code == 302 and response["Location"] == f"/console/agreements/templates/{v2.pk}/"
    assert "Version 2 published" in client.get(response["Location"]).content.decode()
    assert [verb for verb, *_ in template_events()] == ["agreement_template.deactivated",
                                                        "agreement_template.published"]


def test_the_page_form_shows_errors_and_writes_nothing(vendor_admin):
    v1 = AgreementTemplate.current("reseller")
    client = client_for(vendor_admin)
    response = client.post(f"/console/agreements/templates/{v1.pk}/",
                           form_of(v1, body="", default_term_months=0, notice_days=""))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Write the standard terms." in content and "between 1 and 120" in content
    assert "Enter a whole number of days." in content
    response = client.post(f"/console/agreements/templates/{v1.pk}/", form_of(v1))
    assert "Nothing changed" in response.content.decode()
    assert versions() == [(1, True)] and template_events() == []


def test_switching_a_version_on_and_off_from_the_page(vendor_admin):
    v1 = AgreementTemplate.current("reseller")
    v2 = services.publish_template_version(actor=vendor_admin, kind="reseller", data={"notice_days": 30})
    client = client_for(vendor_admin)
    response = client.post(f"/console/agreements/templates/{v1.pk}/active/", {"active": "1"})
    assert response.status_code == 302 and versions() == [(1, True), (2, False)]
    client.post(f"/console/agreements/templates/{v1.pk}/active/", {"active": "0"})
    assert versions() == [(1, False), (2, False)]
    client.post(f"/console/agreements/templates/{v2.pk}/active/", {"active": "maybe"})
    assert versions() == [(1, False), (2, False)]


def test_template_pages_are_for_program_admins_only(channel_manager, finance_user, acme_admin, anon):
    v1 = AgreementTemplate.current("reseller")
    paths = ["/console/agreements/templates/", f"/console/agreements/templates/{v1.pk}/"]
    for user in (channel_manager, finance_user, acme_admin):
        client = client_for(user)
        for path in paths:
            assert client.get(path).status_code == 403
        assert client.post(paths[1], form_of(v1, notice_days=30)).status_code == 403
        assert client.post(f"{paths[1]}active/", {"active": "0"}).status_code == 403
    assert anon.get(paths[0]).status_code == 302
    assert 'href="/console/agreements/templates/"' not in \
        client_for(channel_manager).get("/console/agreements/").content.decode()
    assert versions() == [(1, True)] and template_events() == []


def test_agreement_pages_name_their_template_version(vendor_admin, active, channel_manager, acme_admin):
    services.publish_template_version(actor=vendor_admin, kind="reseller", data={"notice_days": 30})
    text = "from the reseller template, version 1"
    console = client_for(channel_manager).get(f"/console/agreements/{active.pk}/").content.decode()
    assert text in console
    admin_page = client_for(vendor_admin).get(f"/console/agreements/{active.pk}/").content.decode()
    assert f'<a href="/console/agreements/templates/{active.template_id}/">reseller template, version 1</a>' \
        in admin_page
    portal = client_for(acme_admin)
    assert "From the reseller template, version 1" in portal.get(f"/portal/agreements/{active.pk}/").content.decode()
    assert text in portal.get(f"/portal/agreements/{active.pk}/print/").content.decode()


# ---------------------------------------------------------------- API

def test_api_lists_and_publishes_versions(vendor_admin, draft):
    api = api_client_for(vendor_admin)
    listed = api.get("/api/v1/agreement-templates?kind=reseller").json()
    assert [(t["version"], t["active"], t["agreement_count"]) for t in listed["items"]] == [(1, True, 1)]
    response = api.post("/api/v1/agreement-templates", {"kind": "reseller", "payment_terms_days": 60},
                        content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["active"], body["payment_terms_days"], body["created_by"]) == \
        (2, True, 60, vendor_admin.pk)
    assert api.get(f"/api/v1/agreement-templates/{body['id']}").json()["version"] == 2
    active = api.get("/api/v1/agreement-templates?active=true").json()["items"]
    assert len(active) == 6 and {t["version"] for t in active if t["kind"] == "reseller"} == {2}
    switched = api.post(f"/api/v1/agreement-templates/{draft.template_id}/active", {"active": True},
                        content_type="application/json")
    assert switched.status_code == 200 and switched.json()["active"] is True
    assert versions() == [(1, True), (2, False)]
    assert [verb for verb, *_ in template_events()] == ["agreement_template.deactivated",
                                                        "agreement_template.published",
                                                        "agreement_template.deactivated",
                                                        "agreement_template.activated"]


def test_api_refuses_bad_input_with_field_messages(vendor_admin):
    api = api_client_for(vendor_admin)
    response = api.post("/api/v1/agreement-templates",
                        {"kind": "reseller", "default_term_months": 200, "ip_terms": " "},
                        content_type="application/json")
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert "between 1 and 120" in errors["default_term_months"][0]
    assert errors["ip_terms"] == ["Write the intellectual property terms."]
    response = api.post("/api/v1/agreement-templates", {"kind": "franchise"}, content_type="application/json")
    assert response.status_code == 422 and "kind" in response.json()["errors"]
    response = api.post("/api/v1/agreement-templates", {"kind": "reseller"}, content_type="application/json")
    assert response.status_code == 422 and "Nothing changed" in response.json()["detail"]
    assert api.get("/api/v1/agreement-templates/999999").status_code == 404
    assert versions() == [(1, True)] and template_events() == []


def test_api_is_for_program_admins_only(channel_manager, acme_admin, anon):
    v1 = AgreementTemplate.current("reseller")
    for user in (channel_manager, acme_admin):
        api = api_client_for(user)
        assert api.get("/api/v1/agreement-templates").status_code == 403
        assert api.get(f"/api/v1/agreement-templates/{v1.pk}").status_code == 403
        assert api.post("/api/v1/agreement-templates", {"kind": "reseller", "notice_days": 30},
                        content_type="application/json").status_code == 403
        assert api.post(f"/api/v1/agreement-templates/{v1.pk}/active", {"active": False},
                        content_type="application/json").status_code == 403
    assert anon.get("/api/v1/agreement-templates").status_code == 401
    assert versions() == [(1, True)] and template_events() == []


# ---------------------------------------------------------------- Django admin

def test_the_admin_only_shows_templates(vendor_admin, draft):
    get_user_model().objects.filter(pk=vendor_admin.pk).update(is_staff=True, is_superuser=True)
    client = client_for(vendor_admin)
    v1 = draft.template
    listing = client.get("/admin/agreements/agreementtemplate/")
    assert listing.status_code == 200 and "/console/agreements/templates/" in listing.content.decode()
    assert client.get("/admin/agreements/agreementtemplate/add/").status_code == 403
    page = client.get(f"/admin/agreements/agreementtemplate/{v1.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert "/console/agreements/templates/" in page.content.decode()
    client.post(f"/admin/agreements/agreementtemplate/{v1.pk}/change/", {"title": "Edited", "active": ""})
    assert client.post(f"/admin/agreements/agreementtemplate/{v1.pk}/delete/", {"post": "yes"}).status_code == 403
    v1.refresh_from_db()
    assert v1.title != "Edited" and v1.active and Agreement.objects.filter(template=v1).exists()
