"""Issue 10, item 1: a won deal that earned nothing is noticed, listed for finance, and booked once the partner is
on a plan and the period is recalculated — from the partner's plans page and the console's recalculation."""

from datetime import timedelta

import pytest
from django.urls import reverse

from conftest import client_for
from openprm.audit.models import AuditEvent
from openprm.commissions import services
from openprm.commissions.models import LedgerLine, PlanAssignment, RecalculationRun, RecalculationStatus
from openprm.commissions.periods import period_key
from openprm.lib import clock
from openprm.lib.errors import Conflict, NotAllowed, ValidationFailed


@pytest.fixture
def unplanned_win(active, win):
    """Acme wins a deal today with no plan in force."""
    acme, _ = active
    return win(acme, 10000)


def _quarter():
    return period_key("quarter", clock.today())


def test_the_close_warns_and_the_deal_is_listed_until_a_plan_and_a_recalculation_book_it(
        unplanned_win, plan, finance_user, django_capture_on_commit_callbacks):
    acme = unplanned_win.partner
    assert not LedgerLine.objects.exists()
    client = client_for(finance_user)
    page = client.get(reverse("commissions:console_won_without_plan")).content.decode()
    assert f"#{unplanned_win.pk}" in page and "Acme Systems" in page and "10,000.00 USD" in page
    assert f'href="{reverse("deals:console_detail", args=[unplanned_win.pk])}"' in page
    assert f'href="{reverse("commissions:console_partner_plans", args=[acme.pk])}"' in page

    share = plan(type="revenue_share", rate_percent="10")
    response = client.post(reverse("commissions:console_partner_plans", args=[acme.pk]), {
        "plan": share.pk, "starts_on": (clock.today() - timedelta(days=400)).isoformat()}, follow=True)
    assert "Acme Systems is on “" in response.content.decode()
    page = client.get(reverse("commissions:console_won_without_plan")).content.decode()
    assert f"#{unplanned_win.pk}" in page and "In force" in page  # covered, not booked yet

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("commissions:console_recalculations"), {"period": _quarter()}, follow=True)
    # The test's transaction holds the task back until the capture ends: the page saw it started.
    assert f"The recalculation of {_quarter()} has started." in response.content.decode()
    run = RecalculationRun.objects.get()
    assert run.status == RecalculationStatus.DONE and run.added == 1 and run.started_by == finance_user
    assert [line.amount for line in LedgerLine.objects.filter(registration=unplanned_win)] == [1000]
    page = client.get(reverse("commissions:console_won_without_plan")).content.decode()
    assert f"#{unplanned_win.pk}" not in page and "Every won deal booked its commission" in page
    assert AuditEvent.objects.filter(verb="commission_recalculation.started", actor=finance_user).exists()
    assert AuditEvent.objects.filter(verb="commission_recalculation.finished").exists()


def test_the_list_searches_and_pages(active, win, finance_user):
    acme, globex = active
    win(acme, 100)
    other = win(globex, 200)
    client = client_for(finance_user)
    url = reverse("commissions:console_won_without_plan")
    page = client.get(url, {"q": "globex"}).content.decode()
    assert f"#{other.pk}" in page and "Acme Systems" not in page
    assert f"#{other.pk}" in client.get(url, {"q": f"#{other.pk}"}).content.decode()
    assert "No match" in client.get(url, {"q": "nobody at all"}).content.decode()
    assert client.get(url, {"q": "9" * 40, "page": "999999999999"}).status_code == 200
    assert "1–2 of 2" in client.get(url).content.decode()


def test_only_finance_and_program_admins_use_the_money_pages(unplanned_win, channel_manager, acme_admin):
    for user in (channel_manager, acme_admin):
        client = client_for(user)
        for name in ("commissions:console_won_without_plan", "commissions:console_recalculations"):
            assert client.get(reverse(name)).status_code in (302, 403), (user, name)


def test_the_partner_plans_page_shows_current_and_past_plans(active, plan, vendor_admin, channel_manager):
    acme, _ = active
    today = clock.today()
    old = plan(name="Old share", type="revenue_share", rate_percent="5")
    new = plan(name="New share", type="revenue_share", rate_percent="8")
    services.assign_plan(actor=vendor_admin, partner=acme, plan=old, starts_on=today - timedelta(days=300),
                         ends_on=today - timedelta(days=31))
    services.assign_plan(actor=vendor_admin, partner=acme, plan=new, starts_on=today - timedelta(days=30))
    url = reverse("commissions:console_partner_plans", args=[acme.pk])
    page = client_for(channel_manager).get(url).content.decode()
    assert "Old share" in page and "Ended" in page and "New share" in page and "Current" in page
    assert "Assign a plan" not in page  # the channel manager looks, finance assigns
    assert client_for(channel_manager).post(url, {"plan": new.pk, "starts_on": today.isoformat()}).status_code == 403
    assert PlanAssignment.objects.filter(partner=acme).count() == 2
    assert reverse("commissions:console_partner_plans", args=[acme.pk]) in \
        client_for(channel_manager).get(reverse("partners:console_detail", args=[acme.pk])).content.decode()


def test_assigning_on_the_partner_page_shows_refusals_on_the_form(active, plan, finance_user):
    acme, _ = active
    share = plan(name="Share", type="revenue_share", rate_percent="5", assign_to=[acme])
    url = reverse("commissions:console_partner_plans", args=[acme.pk])
    client = client_for(finance_user)
    page = client.get(url).content.decode()
    assert "Assign a plan" in page and "no commission plan in force" not in page
    response = client.post(url, {"plan": share.pk, "starts_on": clock.today().isoformat()})
    assert response.status_code == 200 and "Overlaps" in response.content.decode()
    response = client.post(url, {"plan": "", "starts_on": "soon"})
    assert response.status_code == 200 and PlanAssignment.objects.filter(partner=acme).count() == 1


def test_a_partner_without_a_plan_is_flagged_on_its_plans_page(active, finance_user):
    acme, _ = active
    page = client_for(finance_user).get(reverse("commissions:console_partner_plans", args=[acme.pk])).content
    assert "Acme Systems has no commission plan in force today" in page.decode()


# ---------------------------------------------------------------- the recalculation service


def test_starting_a_recalculation_bad_paths(active, finance_user, channel_manager):
    with pytest.raises(NotAllowed):
        services.start_recalculation(actor=channel_manager, period=_quarter())
    for bad in ("", "2026-Q5", "soon", "0000"):
        with pytest.raises(ValidationFailed) as refused:
            services.start_recalculation(actor=finance_user, period=bad)
        assert "period" in refused.value.errors
    next_year = str(clock.today().year + 1)
    with pytest.raises(ValidationFailed):
        services.start_recalculation(actor=finance_user, period=next_year)
    services.start_recalculation(actor=finance_user, period=_quarter())  # queued (not run: no commit here)
    with pytest.raises(Conflict):
        services.start_recalculation(actor=finance_user, period=_quarter().lower())
    assert RecalculationRun.objects.count() == 1


def test_a_run_counts_its_progress_and_a_second_run_adds_nothing(active, win, plan, finance_user):
    acme, globex = active
    plan(type="revenue_share", rate_percent="10", assign_to=[acme])
    for amount in (100, 200, 300):
        win(acme, amount)
    first = services.start_recalculation(actor=finance_user, period=_quarter())
    assert first.total == 3
    done = services.run_recalculation(run_id=first.pk)
    assert done.status == RecalculationStatus.DONE and done.done == 3 and done.added == 0 and done.percent == 100
    assert services.run_recalculation(run_id=first.pk).added == 0  # a finished run is left alone


def test_the_status_row_polls_while_running_and_stops_when_done(active, finance_user):
    run = services.start_recalculation(actor=finance_user, period=_quarter())
    client = client_for(finance_user)
    row = client.get(reverse("commissions:console_recalculation", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in row and "Queued" in row
    services.run_recalculation(run_id=run.pk)
    row = client.get(reverse("commissions:console_recalculation", args=[run.pk])).content.decode()
    assert "hx-trigger" not in row and "Done" in row
    page = client.get(reverse("commissions:console_recalculations")).content.decode()
    assert f'id="run-{run.pk}"' in page
    response = client.post(reverse("commissions:console_recalculations"), {"period": "2026-Q9"})
    assert response.status_code == 200 and RecalculationRun.objects.count() == 1


def test_the_partner_page_lists_its_plans(active, plan, finance_user):
    acme, _ = active
    page = client_for(finance_user).get(reverse("partners:console_detail", args=[acme.pk])).content.decode()
    assert "No commission plan: deals Acme Systems wins book nothing." in page
    plan(name="Share for Acme", type="revenue_share", rate_percent="5", assign_to=[acme])
    page = client_for(finance_user).get(reverse("partners:console_detail", args=[acme.pk])).content.decode()
    assert "Share for Acme" in page and "until further notice" in page and "and assign one" in page


def test_a_run_that_lost_its_worker_does_not_hold_its_period_back(active, finance_user):
    stuck = services.start_recalculation(actor=finance_user, period=_quarter())
    RecalculationRun.objects.filter(pk=stuck.pk).update(status=RecalculationStatus.RUNNING,
                                                        created_at=clock.moment() - timedelta(hours=2))
    fresh = services.start_recalculation(actor=finance_user, period=_quarter())
    assert services.run_recalculation(run_id=fresh.pk).status == RecalculationStatus.DONE
