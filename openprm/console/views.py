"""The console shell's page: the home dashboard.

Every other console page lives in its domain app. Thin: reads through scoped querysets, changes through services.
"""

from django.db.models import Count
from django.shortcuts import render

from openprm.accounts.access import vendor_required
from openprm.accounts.models import Role
from openprm.audit.describe import activity
from openprm.audit.scoping import events_for_user
from openprm.lib import clock
from openprm.lib.regions import Region
from openprm.partners import services as partners
from openprm.partners.models import (
    OnboardingTask,
    Partner,
    Stage,
)
from openprm.partners.queries import late_q, mark_late

from .queries import commission_liability, deal_and_agreement_kpis, global_search


def _bars(counts: dict, choices) -> list[dict]:
    """Rows for a CSS bar chart: label, count and width in percent of the largest."""
    top = max(counts.values(), default=0) or 1
    return [{"code": code, "label": label, "count": counts.get(code, 0),
             "width": round(100 * counts.get(code, 0) / top)} for code, label in choices]


# ---------------------------------------------------------------- home

@vendor_required
def home(request):
    user = request.user
    visible = Partner.objects.for_user(user)
    targets = partners.stage_targets()
    by_stage = dict(visible.values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
    by_region = dict(visible.values_list("region").annotate(n=Count("id")).values_list("region", "n"))
    late = visible.filter(late_q(targets)).select_related("manager").order_by("stage_entered_at")
    context = {
        "total": sum(by_stage.values()),
        "stage_stats": [(code, label, by_stage.get(code, 0)) for code, label in Stage.choices],
        "active_count": by_stage.get(Stage.ACTIVE, 0),
        "late_count": late.count(),
        "applications_waiting": visible.filter(stage=Stage.QUALIFICATION, source="application").count(),
        "stage_bars": _bars(by_stage, Stage.choices),
        "region_bars": _bars(by_region, Region.choices),
        "late_partners": mark_late(late[:10], targets),
        # Sign-ins are not activity: they stay in the audit trail, off the home page.
        "events": activity(events_for_user(user)).select_related("partner")[:12],
        "is_manager": user.role == Role.CHANNEL_MANAGER,
        "kpis": deal_and_agreement_kpis(user, clock.today()),
    }
    if user.role == Role.FINANCE:
        # Finance runs the money, not the lifecycle: its home shows what is owed instead of stage counts.
        context["liability"] = commission_liability(user, clock.today())
    if context["is_manager"]:
        mine = visible.filter(manager=user).order_by("stage", "name")
        context["my_partners"] = mark_late(mine[:15], targets)
        context["my_partner_count"] = mine.count()
        context["my_open_tasks"] = (OnboardingTask.objects.for_user(user)
                                    .filter(completed_at__isnull=True, owner=user)
                                    .select_related("partner").order_by("due_on")[:10])
    return render(request, "console/home.html", context)


# ---------------------------------------------------------------- global search

@vendor_required
def search(request):
    """The console header's search: partners, contacts, registrations, agreements and people, grouped by type,
    each over what the user may see."""
    text = (request.GET.get("q") or "").strip()[:100]
    groups = global_search(request.user, text) if text else []
    return render(request, "console/search.html", {"q": text, "search_q": text, "groups": groups,
                                                   "total": sum(g["total"] for g in groups)})
