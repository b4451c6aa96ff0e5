from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from openprm.audit.models import AuditEvent
from openprm.deals import services
from openprm.deals.exceptions import (
    DuplicateRegistration,
    InvalidDealTransition,
    NotAllowed,
    ValidationFailed,
)
from openprm.deals.models import ConflictCase, DealProgram, Registration, RegistrationStatus
from openprm.lib import clock
from openprm.partners.models import Partner

from .conftest import submission


def test_it_registers_and_makes_the_partner_the_sourced_participant(active_acme, acme_rep, register,
                                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reg = register(acme_rep, active_acme)
    assert reg.status == RegistrationStatus.SUBMITTED
    assert reg.customer.domain == "initech.example"
    assert reg.customer.normalized_name == "initech"
    assert [(p.partner_id, p.role, p.split_percent) for p in reg.participants.all()] == [
        (active_acme.pk, "sourced", Decimal("100.00"))]
    assert AuditEvent.objects.filter(verb="registration.submitted", object_id=str(reg.pk)).exists()
    assert any("received" in m.subject for m in mail.outbox)


def test_it_refuses_bad_input_with_field_errors_and_writes_nothing(active_acme, acme_rep):
    bad = submission(customer_name="", customer_domain="not a domain", customer_country="XX", amount="-5",
                     currency="ABC", expected_close_date="2020-01-01")
    with pytest.raises(ValidationFailed) as exc:
        services.register(actor=acme_rep, partner=active_acme, data=bad)
    assert set(exc.value.errors) == {"customer_name", "customer_domain", "customer_country", "amount", "currency",
                                     "expected_close_date"}
    assert not Registration.objects.exists()


def test_same_partner_twice_is_a_duplicate_naming_the_first(active_acme, acme_rep, register):
    first = register(acme_rep, active_acme)
    with pytest.raises(DuplicateRegistration) as exc:
        register(acme_rep, active_acme, customer_name="Initech", customer_domain="initech.example")
    assert exc.value.extra["registration"] == first.pk
    assert Registration.objects.count() == 1


def test_another_partner_on_a_protected_customer_goes_to_conflict(active_acme, active_globex, acme_rep,
                                                                  globex_admin, register):
    first = register(acme_rep, active_acme)
    # Same company by name in the same country, no domain given: still the same customer.
    second = register(globex_admin, active_globex, customer_name="INITECH, LLC", customer_domain="")
    first.refresh_from_db()
    assert second.status == RegistrationStatus.CONFLICT
    assert first.status == RegistrationStatus.SUBMITTED
    assert second.conflict_case_id == first.conflict_case_id is not None
    assert second.customer_id == first.customer_id


def test_a_similar_name_in_another_country_is_another_customer(active_acme, active_globex, acme_rep,
                                                               globex_admin, register):
    register(acme_rep, active_acme)
    other = register(globex_admin, active_globex, customer_domain="", customer_country="DE")
    assert other.status == RegistrationStatus.SUBMITTED


def test_precheck_says_whether_not_who(active_acme, acme_rep, register):
    register(acme_rep, active_acme)
    assert services.is_customer_protected(name="Initech", domain="initech.example", country="US")
    assert not services.is_customer_protected(name="Umbrella", domain="umbrella.example", country="US")


def test_approval_starts_protection_and_only_reviewers_approve(active_acme, acme_rep, acme_admin,
                                                               channel_manager, other_manager, register):
    reg = register(acme_rep, active_acme)
    for outsider in (acme_admin, other_manager):
        with pytest.raises(NotAllowed):
            services.approve(actor=outsider, registration=reg)
    services.approve(actor=channel_manager, registration=reg, note="Go")
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.APPROVED
    assert reg.protected_until == clock.today() + timedelta(days=30)
    with pytest.raises(InvalidDealTransition):
        services.approve(actor=channel_manager, registration=reg)



def test_services_and_jobs_read_the_time_through_the_clock(active_acme, acme_rep, channel_manager, register):
    """Time is an input: moving `openprm.lib.clock` moves approval, protection and expiry with it."""
    reg = register(acme_rep, active_acme)
    later = clock.moment() + timedelta(days=10)
    with clock.pinned(later):
        services.approve(actor=channel_manager, registration=reg)
    reg.refresh_from_db()
    assert reg.approved_at == later
    assert reg.protected_until == timezone.localdate(later) + timedelta(days=30)
    with clock.pinned(later + timedelta(days=30)):
        assert services.expire_registrations() == 0  # the last protected day
    with clock.pinned(later + timedelta(days=31)):
        assert services.expire_registrations() == 1

def test_reject_needs_a_reason(active_acme, acme_rep, channel_manager, register):
    reg = register(acme_rep, active_acme)
    with pytest.raises(ValidationFailed):
        services.reject(actor=channel_manager, registration=reg, reason=" ")
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.SUBMITTED
    services.reject(actor=channel_manager, registration=reg, reason="Existing direct customer")
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.REJECTED


def test_one_extension_adds_the_program_days(active_acme, acme_rep, channel_manager, register):
    reg = register(acme_rep, active_acme)
    services.approve(actor=channel_manager, registration=reg)
    reg.refresh_from_db()
    until = reg.protected_until
    services.request_extension(actor=acme_rep, registration=reg, reason="Procurement delay")
    services.decide_extension(actor=channel_manager, registration=reg, approve=True)
    reg.refresh_from_db()
    assert reg.protected_until == until + timedelta(days=30)
    with pytest.raises(InvalidDealTransition):
        services.request_extension(actor=acme_rep, registration=reg, reason="Again")


def test_won_records_amount_and_cycle_lost_needs_reason(active_acme, acme_rep, channel_manager, register):
    won = register(acme_rep, active_acme)
    services.approve(actor=channel_manager, registration=won)
    services.close(actor=channel_manager, registration=won, outcome="won", amount="240000.005", currency="usd")
    won.refresh_from_db()
    assert (won.status, won.won_amount, won.won_currency) == ("won", Decimal("240000.01"), "USD")
    assert won.sales_cycle_days == 0
    lost = register(acme_rep, active_acme, customer_name="Umbrella", customer_domain="umbrella.example")
    services.approve(actor=channel_manager, registration=lost)
    with pytest.raises(ValidationFailed):
        services.close(actor=channel_manager, registration=lost, outcome="lost", reason="")
    with pytest.raises(NotAllowed):
        services.close(actor=acme_rep, registration=lost, outcome="lost", reason="Budget")


def test_closing_an_expired_registration_is_refused(active_acme, acme_rep, channel_manager, register):
    reg = register(acme_rep, active_acme)
    services.approve(actor=channel_manager, registration=reg)
    assert services.expire_registrations(today=clock.today() + timedelta(days=31)) == 1
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.EXPIRED
    with pytest.raises(InvalidDealTransition):
        services.close(actor=channel_manager, registration=reg, outcome="won")


def test_expiry_frees_the_customer_and_reminders_go_once(active_acme, active_globex, acme_rep, globex_admin,
                                                          channel_manager, register):
    reg = register(acme_rep, active_acme)
    services.approve(actor=channel_manager, registration=reg)
    soon = clock.today() + timedelta(days=25)
    assert services.send_expiry_reminders(today=soon) == 1
    assert services.send_expiry_reminders(today=soon) == 0
    services.expire_registrations(today=clock.today() + timedelta(days=31))
    fresh = register(globex_admin, active_globex)
    assert fresh.status == RegistrationStatus.SUBMITTED


def test_splits_must_sum_to_exactly_100(active_acme, active_globex, acme_rep, channel_manager, register):
    # Carl may make only partners he may see participants (scoping): here he manages Globex too.
    Partner.objects.filter(pk=active_globex.pk).update(manager=channel_manager)
    reg = register(acme_rep, active_acme)
    with pytest.raises(ValidationFailed) as exc:
        services.set_participants(actor=channel_manager, registration=reg, participants=[
            {"partner": active_acme.pk, "role": "sourced", "split_percent": "60"},
            {"partner": active_globex.pk, "role": "influenced", "split_percent": "30"}])
    assert "sum to exactly 100" in exc.value.errors["participants"][0]
    assert reg.participants.count() == 1
    services.set_participants(actor=channel_manager, registration=reg, participants=[
        {"partner": active_acme.pk, "role": "sourced", "split_percent": "60"},
        {"partner": active_globex.pk, "role": "influenced", "split_percent": "40"}])
    assert sorted(p.split_percent for p in reg.participants.all()) == [Decimal("40"), Decimal("60")]


def test_conflict_award_approves_one_and_rejects_the_other(active_acme, active_globex, acme_rep, globex_admin,
                                                           vendor_admin, register):
    first = register(acme_rep, active_acme)
    second = register(globex_admin, active_globex)
    case = ConflictCase.objects.get()
    services.advance_conflict(actor=vendor_admin, case=case, step="investigate", note="Both met the CIO")
    with pytest.raises(InvalidDealTransition):
        services.advance_conflict(actor=vendor_admin, case=case, step="prevent")
    services.decide_conflict(actor=vendor_admin, case=case, decision="award", registration=second)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("rejected", "approved")
    assert second.protected_until is not None
    with pytest.raises(InvalidDealTransition):
        services.decide_conflict(actor=vendor_admin, case=case, decision="reject_all")
    services.prevent_conflict(actor=vendor_admin, case=case, note="Named account", named_account_partner=active_globex)
    case.refresh_from_db()
    assert not case.is_open and case.customer.named_account.partner == active_globex


def test_conflict_co_sell_sets_splits_and_cancels_the_other(active_acme, active_globex, acme_rep, globex_admin,
                                                            vendor_admin, register):
    first = register(acme_rep, active_acme)
    second = register(globex_admin, active_globex)
    case = ConflictCase.objects.get()
    services.decide_conflict(actor=vendor_admin, case=case, decision="co_sell", registration=first, participants=[
        {"partner": active_acme.pk, "role": "sourced", "split_percent": "70"},
        {"partner": active_globex.pk, "role": "influenced", "split_percent": "30"}])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("approved", "canceled")
    assert first.participants.count() == 2


def test_minimum_deal_value(active_acme, acme_rep):
    DealProgram.objects.filter(pk=1).update(minimum_amount=Decimal("10000"), minimum_currency="USD")
    with pytest.raises(ValidationFailed) as exc:
        services.register(actor=acme_rep, partner=active_acme, data=submission(amount="9999.99"))
    assert "at least 10,000.00 USD" in exc.value.errors["amount"][0]


def test_minimum_deal_value_holds_for_deals_in_other_currencies(active_acme, acme_rep, vendor_admin):
    """A deal in EUR is converted at today's stored rate (1 EUR = 1.10 USD) before the USD minimum is checked;
    it used to skip the check because its currency was not the minimum's."""
    from openprm.programs.services import set_fx_rate

    DealProgram.objects.filter(pk=1).update(minimum_amount=Decimal("10000"), minimum_currency="USD")
    set_fx_rate(actor=vendor_admin, currency="EUR", valid_on=clock.today() - timedelta(days=2), rate="1.10")
    with pytest.raises(ValidationFailed) as exc:  # 9,000 EUR = 9,900 USD
        services.register(actor=acme_rep, partner=active_acme, data=submission(amount="9000", currency="EUR"))
    assert "at least 10,000.00 USD (about 9,090.91 EUR at today's rate)" in exc.value.errors["amount"][0]
    assert not Registration.objects.exists()
    ok = services.register(actor=acme_rep, partner=active_acme, data=submission(amount="9200", currency="EUR"))
    assert ok.amount == Decimal("9200.00")


def test_minimum_deal_value_without_a_rate_is_a_field_error_not_a_skip(active_acme, acme_rep):
    DealProgram.objects.filter(pk=1).update(minimum_amount=Decimal("10000"), minimum_currency="USD")
    with pytest.raises(ValidationFailed) as exc:
        services.register(actor=acme_rep, partner=active_acme, data=submission(amount="900000", currency="GBP"))
    assert "No FX rate for GBP" in exc.value.errors["currency"][0]
    assert not Registration.objects.exists()
    # Without a minimum there is nothing to convert: any currency registers.
    DealProgram.objects.filter(pk=1).update(minimum_amount=None)
    services.register(actor=acme_rep, partner=active_acme, data=submission(amount="900000", currency="GBP"))


def test_partner_users_register_only_for_their_partner(active_acme, active_globex, globex_admin):
    with pytest.raises(NotAllowed):
        services.register(actor=globex_admin, partner=active_acme, data=submission())
    assert not Registration.objects.exists()


def test_notifications_reach_each_party_and_never_name_the_other_partner(
        active_acme, active_globex, acme_rep, acme_admin, globex_admin, register, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register(acme_rep, active_acme)
        register(globex_admin, active_globex)
    globex_notes = list(globex_admin.notifications.all())
    assert [n.title for n in globex_notes] == ["Deal registration under conflict review: Initech Inc."]
    assert all("Acme" not in n.title + n.summary for n in globex_notes)
    assert acme_admin.notifications.filter(title__startswith="Deal registration under conflict").exists()
    globex_mail = [m for m in mail.outbox if m.to == [globex_admin.email]]
    assert globex_mail and all("Acme" not in m.body for m in globex_mail)


def test_a_deal_cannot_close_before_it_was_registered(active_acme, acme_rep, channel_manager, register):
    reg = register(acme_rep, active_acme)
    services.approve(actor=channel_manager, registration=reg)
    with pytest.raises(ValidationFailed) as exc:
        services.close(actor=channel_manager, registration=reg, outcome="won",
                       closed_on=clock.today() - timedelta(days=1))
    assert "closed_on" in exc.value.errors
    reg.refresh_from_db()
    assert reg.status == RegistrationStatus.APPROVED
