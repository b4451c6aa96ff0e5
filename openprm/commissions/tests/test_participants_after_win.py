"""A closed deal's participants are frozen; recalculation never pays a deal to two participant sets; only
partners the caller may see, in a stage that may earn, take part."""

from datetime import timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import api_client_for
from openprm.commissions import services
from openprm.commissions.models import LedgerLine, LineKind
from openprm.commissions.periods import period_key
from openprm.deals import services as deals
from openprm.deals.exceptions import ParticipantsFrozen
from openprm.deals.models import Participant, ParticipantRole, Registration
from openprm.lib.errors import ValidationFailed
from openprm.lib.money import quantize
from openprm.partners import services as partner_services
from openprm.partners.models import Partner, Stage

D = Decimal
SERIAL = count()


def put(client, reg, rows):
    return client.put(f"/api/v1/registrations/{reg.pk}/participants", rows, content_type="application/json")


def ledger(reg):
    return sorted((line.partner_id, line.kind, line.amount) for line in LedgerLine.objects.filter(registration=reg))


def participants(reg):
    return sorted(Participant.objects.filter(registration=reg).values_list("partner_id", "role", "split_percent"))


def this_quarter():
    return period_key("quarter", timezone.localdate())


@pytest.fixture
def acme_wins(active, plan, win, vendor_admin):
    """Acme sourced 100% of a won 100,000 USD deal with a 500 USD SPIFF; both partners on 10%."""
    acme, globex = active
    plan(type="revenue_share", rate_percent="10", assign_to=[acme, globex])
    services.create_spiff(actor=vendor_admin, name="Edge push", products=["Edge"],
                          starts_on=timezone.localdate() - timedelta(days=30),
                          ends_on=timezone.localdate() + timedelta(days=30), amount="500", currency="USD")
    return win(acme, 100000, products=["Edge"])


def test_replacing_the_partner_of_a_won_deal_is_refused_and_recalc_pays_once(acme_wins, active, vendor_admin):
    """The attacker's sequence: PUT participants on a won deal (Acme → Globex), then recalculate."""
    acme, globex = active
    before_ledger, before = ledger(acme_wins), participants(acme_wins)
    assert before_ledger == sorted([(acme.pk, "commission", D("10000.000")), (acme.pk, "spiff", D("500.000"))])
    response = put(api_client_for(vendor_admin), acme_wins,
                   [{"partner": globex.pk, "role": "sourced", "split_percent": "100"}])
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "participants_frozen"
    assert "refund" in body["detail"] and "register it again" in body["detail"]
    assert participants(acme_wins) == before
    services.recalculate(period=this_quarter(), set_based=False)
    services.recalculate(period=this_quarter())
    assert ledger(acme_wins) == before_ledger


def test_changing_the_split_of_a_won_deal_is_refused(acme_wins, active, vendor_admin):
    acme, globex = active
    with pytest.raises(ParticipantsFrozen):
        deals.set_participants(actor=vendor_admin, registration=acme_wins, participants=[
            {"partner": acme.pk, "role": "sourced", "split_percent": "50"},
            {"partner": globex.pk, "role": "sourced", "split_percent": "50"}])
    assert participants(acme_wins) == [(acme.pk, "sourced", D("100"))]


def test_a_lost_deal_keeps_its_participants_too(active, vendor_admin):
    acme, globex = active
    reg = deals.register(actor=vendor_admin, partner=acme, data={
        "customer_name": "Lost Co", "customer_domain": "lost.example", "customer_country": "US",
        "amount": "5000", "currency": "USD",
        "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat()})
    Registration.objects.filter(pk=reg.pk).update(submitted_at=timezone.now() - timedelta(days=5))
    deals.approve(actor=vendor_admin, registration=reg)
    deals.close(actor=vendor_admin, registration=reg, outcome="lost", reason="Budget cut")
    with pytest.raises(ParticipantsFrozen):
        deals.set_participants(actor=vendor_admin, registration=reg, participants=[
            {"partner": globex.pk, "role": "sourced", "split_percent": "100"}])


def test_the_console_editor_refuses_a_won_deal_with_a_form_error(acme_wins, active, vendor_admin):
    from django.urls import reverse

    from conftest import client_for

    acme, globex = active
    response = client_for(vendor_admin).post(reverse("deals:console_participants", args=[acme_wins.pk]), {
        "partner": [globex.pk], "role": ["sourced"], "split_percent": ["100"]})
    assert response.status_code == 200
    assert "participants cannot change once the deal is closed" in response.content.decode().lower()
    assert participants(acme_wins) == [(acme.pk, "sourced", D("100"))]


@pytest.mark.parametrize("path", ["services", "set_based"])
def test_recalculation_books_nothing_for_a_deal_whose_participants_changed_under_it(acme_wins, active, path):
    """A deal changed before participants were frozen (or behind the services' back): recalculation must
    not add the new participants' lines next to the old ones, nor correct splits into a double payment."""
    acme, globex = active
    before = ledger(acme_wins)
    Participant.objects.filter(registration=acme_wins).update(split_percent=D(50))
    Participant.objects.create(registration=acme_wins, partner=globex, role=ParticipantRole.SOURCED,
                               split_percent=D(50))
    def recalc(period):
        return services.recalculate(period=period, set_based=path == "set_based")

    recalc(period=this_quarter())
    assert ledger(acme_wins) == before
    Participant.objects.filter(registration=acme_wins, partner=acme).delete()
    Participant.objects.filter(registration=acme_wins).update(split_percent=D(100))
    recalc(period=this_quarter())
    assert ledger(acme_wins) == before


def test_the_console_and_api_refuse_partners_the_manager_may_not_see(active, channel_manager, register_approved):
    """Globex is Olga's partner: Carl (Acme's manager) may not make it a participant; it answers as unknown."""
    acme, globex = active
    reg = register_approved(acme)
    response = put(api_client_for(channel_manager), reg,
                   [{"partner": acme.pk, "role": "sourced", "split_percent": "60"},
                    {"partner": globex.pk, "role": "influenced", "split_percent": "40"}])
    assert response.status_code == 422
    assert response.json()["errors"] == {"participants.1.partner": ["No such partner."]}
    assert participants(reg) == [(acme.pk, "sourced", D("100"))]


@pytest.mark.parametrize("stage", [Stage.TERMINATED, Stage.SUSPENDED])
def test_a_partner_that_may_not_earn_cannot_take_part(active, vendor_admin, register_approved, stage):
    acme, globex = active
    Partner.objects.filter(pk=globex.pk).update(stage=stage)
    reg = register_approved(acme)
    response = put(api_client_for(vendor_admin), reg,
                   [{"partner": acme.pk, "role": "sourced", "split_percent": "60"},
                    {"partner": globex.pk, "role": "influenced", "split_percent": "40"}])
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["participants.1.partner"]
    assert "cannot earn" in response.json()["errors"]["participants.1.partner"][0]
    assert participants(reg) == [(acme.pk, "sourced", D("100"))]


@pytest.fixture
def register_approved(vendor_admin):
    def make(partner, amount="100000", products=()):
        n = next(SERIAL)
        reg = deals.register(actor=vendor_admin, partner=partner, data={
            "customer_name": f"Frozen {n}", "customer_domain": f"frozen{n}.example",
            "customer_country": partner.country, "amount": str(amount), "currency": "USD",
            "products": list(products),
            "expected_close_date": (timezone.localdate() + timedelta(days=30)).isoformat()})
        Registration.objects.filter(pk=reg.pk).update(submitted_at=timezone.now() - timedelta(days=5))
        deals.approve(actor=vendor_admin, registration=reg)
        return reg

    return make


# ---------------------------------------------------------------- the property

RATES = (D("10"), D("12.5"), D("7.25"))
INFLUENCED_FACTOR = D("50")
SPIFF_AMOUNT = D("333.33")


@st.composite
def participant_sets(draw):
    """1–3 of the three partners (by index), the first sourced, splits in cents summing to exactly 100."""
    order = draw(st.permutations(range(3)))
    size = draw(st.integers(1, 3))
    cuts = sorted(draw(st.sets(st.integers(1, 9999), min_size=size - 1, max_size=size - 1)))
    edges = [0, *cuts, 10000]
    roles = [ParticipantRole.SOURCED] + [draw(st.sampled_from(ParticipantRole.values)) for _ in range(size - 1)]
    return [(order[i], roles[i], D(edges[i + 1] - edges[i]) / 100) for i in range(size)]


operations = st.lists(st.one_of(
    st.tuples(st.just("refund"), st.integers(1, 3_000_000)),
    st.tuples(st.just("recalc"), st.sampled_from(["services", "set_based"])),
    st.tuples(st.just("change"), participant_sets()),
), max_size=6)


def plan_arithmetic(won: Decimal, final, refunded: Decimal) -> Decimal:
    """What the deal's final participants earn (commission + SPIFF), less the clawbacks of the refunded share."""
    total = D(0)
    for index, role, split in final:
        factor = INFLUENCED_FACTOR / 100 if role == ParticipantRole.INFLUENCED else 1
        earned = quantize(won * split / 100 * RATES[index] / 100 * factor, "USD") \
            + quantize(SPIFF_AMOUNT * split / 100, "USD")
        total += earned - quantize(earned * refunded / won, "USD")
    return total


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before_win=st.lists(participant_sets(), max_size=3), won_cents=st.integers(100_000, 50_000_000),
       after_win=operations)
def test_each_deal_books_the_plan_arithmetic_of_its_final_participants(plan, vendor_admin, finance_user,
                                                                       register_approved, before_win, won_cents,
                                                                       after_win):
    """Any participant changes before the win, the win, then refunds, recalculations and attempted changes:
    the deal's ledger (commission, SPIFF and clawback lines) equals what its final participants earn, and every
    change after the win is refused without writing anything."""
    n = next(SERIAL)
    partners = []
    for index, rate in enumerate(RATES):
        partner = partner_services.create_partner(actor=vendor_admin, data={
            "name": f"Frozen {n}-{index}", "types": ["reseller"], "country": "US"})
        Partner.objects.filter(pk=partner.pk).update(stage=Stage.ACTIVE)
        partner.refresh_from_db()
        plan(type="revenue_share", rate_percent=str(rate), influenced_factor_percent=str(INFLUENCED_FACTOR),
             assign_to=[partner], name=f"Frozen plan {n}-{index}")
        partners.append(partner)
    if not services.Spiff.objects.filter(name="Frozen SPIFF").exists():
        services.create_spiff(actor=vendor_admin, name="Frozen SPIFF", products=["Edge"],
                              starts_on=timezone.localdate() - timedelta(days=400),
                              ends_on=timezone.localdate() + timedelta(days=400), amount=str(SPIFF_AMOUNT))
    won = D(won_cents) / 100
    reg = register_approved(partners[0], amount=won, products=["Edge"])
    final = [(0, ParticipantRole.SOURCED, D(100))]
    for rows in before_win:
        deals.set_participants(actor=vendor_admin, registration=reg, participants=[
            {"partner": partners[i].pk, "role": role, "split_percent": str(split)} for i, role, split in rows])
        final = rows
    deals.close(actor=vendor_admin, registration=reg, outcome="won", amount=str(won), currency="USD")
    refunded = D(0)
    for number, (kind, value) in enumerate(after_win):
        if kind == "refund":
            amount = min(D(value) / 100, won - refunded)
            if amount > 0:
                services.refund(actor=finance_user, registration=reg, amount=str(amount), reason=f"refund #{number}")
                refunded += amount
        elif kind == "recalc":
            services.recalculate(period=this_quarter(), set_based=value == "set_based")
        else:
            lines, rows_before = ledger(reg), participants(reg)
            with pytest.raises(ParticipantsFrozen):
                deals.set_participants(actor=vendor_admin, registration=reg, participants=[
                    {"partner": partners[i].pk, "role": role, "split_percent": str(split)} for i, role, split in value])
            assert (ledger(reg), participants(reg)) == (lines, rows_before)
        booked = sum((amount for _, kind_, amount in ledger(reg)
                      if kind_ in (LineKind.COMMISSION, LineKind.SPIFF, LineKind.CLAWBACK)), D(0))
        assert booked == plan_arithmetic(won, final, refunded)
    booked = sum((amount for _, _, amount in ledger(reg)), D(0))
    assert booked == plan_arithmetic(won, final, refunded)


def test_a_co_sell_decision_takes_only_partners_that_may_earn_and_changes_nothing_otherwise(active, vendor_admin):
    """The conflict co-sell decision writes participants through the same rule: a terminated partner is a
    field error, and the case, its registrations and their participants stay as they were."""
    from openprm.deals.models import ConflictCase
    from openprm.deals.tests.conftest import submission

    acme, globex = active
    first = deals.register(actor=vendor_admin, partner=acme, data=submission())
    second = deals.register(actor=vendor_admin, partner=globex, data=submission())
    case = ConflictCase.objects.get()
    Partner.objects.filter(pk=globex.pk).update(stage=Stage.TERMINATED)
    statuses = sorted(Registration.objects.values_list("pk", "status"))
    with pytest.raises(ValidationFailed) as refused:
        deals.decide_conflict(actor=vendor_admin, case=case, decision="co_sell", registration=first, participants=[
            {"partner": acme.pk, "role": "sourced", "split_percent": "70"},
            {"partner": globex.pk, "role": "influenced", "split_percent": "30"}])
    assert list(refused.value.errors) == ["participants.1.partner"]
    case.refresh_from_db()
    assert case.decision == "" and sorted(Registration.objects.values_list("pk", "status")) == statuses
    assert participants(first) == [(acme.pk, "sourced", D("100"))]
    assert participants(second) == [(globex.pk, "sourced", D("100"))]
