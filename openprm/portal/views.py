"""The portal shell's page: the home dashboard of the signed-in user's own partner.

Every other portal page lives in its domain app. Reads go through `for_user` / `get_scoped_or_404`.
"""

from django.shortcuts import render

from openprm.accounts.access import partner_required
from openprm.accounts.models import Invitation, Role, User
from openprm.accounts.scoping import get_scoped_or_404
from openprm.audit.models import AuditEvent
from openprm.lib import clock
from openprm.partners.models import (
    DEVELOPMENT_STAGES,
    Contact,
    JoinRequest,
    JoinRequestStatus,
    OnboardingTask,
    OwnerSide,
    Partner,
    PartnerDomain,
    Stage,
)

from .queries import PROTECTION_WARNING_DAYS, business_summary


def _partner(request, *related):
    """A fresh copy of the user's own partner."""
    return get_scoped_or_404(Partner.objects.select_related(*related), request.user, pk=request.user.partner_id)


# ---------------------------------------------------------------- home

@partner_required
def home(request):
    user = request.user
    partner = _partner(request, "manager")
    tasks = list(OnboardingTask.objects.for_user(user).select_related("owner"))
    done = sum(1 for t in tasks if t.is_done)
    people = User.objects.for_user(user)
    context = {
        "partner": partner,
        "stages": [(s, Stage(s).label) for s in DEVELOPMENT_STAGES],
        "stage_index": DEVELOPMENT_STAGES.index(partner.stage) if partner.stage in DEVELOPMENT_STAGES else None,
        "tasks_total": len(tasks),
        "tasks_done": done,
        "progress": round(100 * done / len(tasks)) if tasks else 0,
        "partner_tasks": [t for t in tasks if t.owner_side == OwnerSide.PARTNER and not t.is_done],
        "vendor_tasks_open": sum(1 for t in tasks if t.owner_side == OwnerSide.VENDOR and not t.is_done),
        "team_size": people.filter(is_active=True).count(),
        "admins": people.filter(is_active=True, role=Role.PARTNER_ADMIN),
        "primary_contact": Contact.objects.for_user(user).filter(is_primary=True).first(),
        "business": business_summary(user, partner, clock.today()),
        "protection_warning_days": PROTECTION_WARNING_DAYS,
        # "Welcome back" only to someone who signed in before this visit; the first sign-in is a "Welcome".
        "returning": len(AuditEvent.objects.filter(actor=user, verb="user.signed_in").values_list("pk")[:2]) > 1,
    }
    if user.is_partner_admin:
        context["pending_invitations"] = Invitation.objects.for_user(user).pending().count()
        context["pending_joins"] = JoinRequest.objects.for_user(user).filter(status=JoinRequestStatus.PENDING).count()
        context["domains_unverified"] = PartnerDomain.objects.for_user(user).filter(verified=False).count()
    return render(request, "portal/home.html", context)
