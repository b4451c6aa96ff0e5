from datetime import date, timedelta

import pytest
from django.db import IntegrityError

from openprm.agreements.models import Agreement, AgreementKind, AgreementTemplate


def test_every_kind_has_a_default_template_with_the_standard_clauses(db):
    for kind in AgreementKind.values:
        template = AgreementTemplate.current(kind)
        assert template is not None and template.version == 1
        assert "L1 partner; L2/L3 vendor" in template.body
        for clause in ("Responsibilities", "Intellectual property", "termination"):
            assert clause.lower() in template.body.lower()


def test_the_active_version_is_current(db):
    AgreementTemplate.objects.filter(kind="oem").update(active=False)
    AgreementTemplate.objects.create(kind="oem", version=2, title="OEM v2", body="…")
    AgreementTemplate.objects.create(kind="oem", version=3, title="OEM v3", body="…", active=False)
    assert AgreementTemplate.current("oem").version == 2
    with pytest.raises(IntegrityError):
        AgreementTemplate.objects.create(kind="oem", version=2, title="again", body="…", active=False)


def test_a_kind_has_at_most_one_active_version(db):
    with pytest.raises(IntegrityError):
        AgreementTemplate.objects.create(kind="oem", version=2, title="OEM v2", body="…", active=True)


def test_an_agreement_must_end_after_it_starts(acme):
    template = AgreementTemplate.current("reseller")
    with pytest.raises(IntegrityError):
        Agreement.objects.create(partner=acme, template=template, template_version=1, kind="reseller",
                                 starts_on=date(2025, 1, 1), ends_on=date(2025, 1, 1))


def test_notice_date_and_in_force(draft):
    assert draft.notice_date == draft.ends_on - timedelta(days=60)
    assert not Agreement.objects.in_force_on(draft.starts_on).exists()  # a draft binds nobody


def test_admin_pages_open(vendor_admin, draft):
    from django.contrib.auth import get_user_model

    from conftest import client_for

    get_user_model().objects.filter(pk=vendor_admin.pk).update(is_staff=True, is_superuser=True)
    client = client_for(vendor_admin)
    assert client.get("/admin/agreements/agreement/").status_code == 200
    assert client.get(f"/admin/agreements/agreement/{draft.pk}/change/").status_code == 200
    assert client.get(f"/admin/agreements/agreementtemplate/{draft.template_id}/change/").status_code == 200
