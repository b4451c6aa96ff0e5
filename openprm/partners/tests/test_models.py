"""Partner rules that live on the model: region from country, the late flag, the weighted score, scoping."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from openprm.accounts.models import User
from openprm.accounts.scoping import get_scoped_or_404
from openprm.partners.models import Contact, Partner, ScorecardCriterion, ScorecardScore, StageTarget


def test_region_follows_the_country_on_every_save(acme):
    assert acme.region == "north_america"
    acme.country = "BR"
    acme.save()
    acme.refresh_from_db()
    assert acme.region == "latin_america"


def _in_stage_since(partner, days):
    Partner.objects.filter(pk=partner.pk).update(stage_entered_at=timezone.now() - timedelta(days=days))
    partner.refresh_from_db()
    return partner


def test_a_partner_is_late_after_its_stages_target(acme):
    StageTarget.objects.update_or_create(stage="identification", defaults={"target_days": 10})
    assert not _in_stage_since(acme, 9).is_late()
    assert _in_stage_since(acme, 11).is_late()
    assert acme.days_in_stage() == 11


def test_the_target_is_read_from_the_stage_target_row(acme):
    _in_stage_since(acme, 20)
    StageTarget.objects.update_or_create(stage="identification", defaults={"target_days": 30})
    assert not acme.is_late()
    StageTarget.objects.filter(stage="identification").update(target_days=15)
    assert acme.is_late()


def test_without_a_target_row_the_seeds_default_applies(acme):
    StageTarget.objects.all().delete()
    assert acme.stage_target_days() == 14
    assert not _in_stage_since(acme, 13).is_late()
    assert _in_stage_since(acme, 15).is_late()


def test_active_and_exit_stages_are_never_late(acme):
    Partner.objects.filter(pk=acme.pk).update(stage="active", stage_entered_at=timezone.now() - timedelta(days=900))
    acme.refresh_from_db()
    assert acme.stage_due_at() is None
    assert not acme.is_late()


def test_weighted_score_is_the_weighted_average(acme):
    assert acme.weighted_score() is None
    strategic = ScorecardCriterion.objects.get(code="strategic_alignment")  # weight 1.5
    culture = ScorecardCriterion.objects.get(code="cultural_compatibility")  # weight 0.75
    ScorecardScore.objects.create(partner=acme, criterion=strategic, score=5)
    ScorecardScore.objects.create(partner=acme, criterion=culture, score=2)
    # (5 × 1.5 + 2 × 0.75) / 2.25 = 4
    assert acme.weighted_score() == Decimal("4.00")


def test_for_user_scopes_partners_and_their_objects(acme, globex, vendor_admin, channel_manager, other_manager,
                                                    finance_user, acme_admin, globex_admin):
    Contact.objects.create(partner=acme, name="Acme contact")
    Contact.objects.create(partner=globex, name="Globex contact")
    assert set(Partner.objects.for_user(vendor_admin)) == {acme, globex}
    assert set(Partner.objects.for_user(finance_user)) == {acme, globex}
    assert list(Partner.objects.for_user(channel_manager)) == [acme]
    assert list(Partner.objects.for_user(other_manager)) == [globex]
    assert list(Partner.objects.for_user(acme_admin)) == [acme]
    assert [c.name for c in Contact.objects.for_user(acme_admin)] == ["Acme contact"]
    assert [c.name for c in Contact.objects.for_user(channel_manager)] == ["Acme contact"]
    assert set(User.objects.for_user(globex_admin)) == {globex_admin}


def test_inactive_and_anonymous_users_see_nothing(acme, acme_admin):
    from django.contrib.auth.models import AnonymousUser

    assert not Partner.objects.for_user(AnonymousUser()).exists()
    acme_admin.is_active = False
    assert not Partner.objects.for_user(acme_admin).exists()


def test_get_scoped_or_404_treats_another_partners_object_as_missing(acme, globex_admin, acme_admin):
    from django.http import Http404

    assert get_scoped_or_404(Partner, acme_admin, pk=acme.pk) == acme
    with pytest.raises(Http404):
        get_scoped_or_404(Partner, globex_admin, pk=acme.pk)
    with pytest.raises(Http404):
        get_scoped_or_404(Partner, acme_admin, pk="not-a-number")
