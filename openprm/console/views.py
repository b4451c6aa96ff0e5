"""Vendor console pages. Thin: they read through scoped querysets and change state through services.

Every list goes through `Model.objects.for_user(request.user)` and every object through `get_scoped_or_404`,
so a channel manager never reaches another manager's partners (404) and partner users never get in (403).
"""

import json
from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from openprm.accounts import services as accounts
from openprm.accounts.access import vendor_required
from openprm.accounts.forms import InviteForm
from openprm.accounts.models import PARTNER_ROLES, Invitation, Role, User
from openprm.audit.models import Action
from openprm.audit.scoping import events_for_user
from openprm.lib.errors import DomainError
from openprm.lib.forms import apply_domain_error
from openprm.lib.params import int_param
from openprm.lib.regions import Region
from openprm.partners import services as partners
from openprm.partners.forms import ContactForm, PartnerForm, StageForm
from openprm.partners.models import (
    DEVELOPMENT_STAGES,
    Contact,
    JoinRequest,
    JoinRequestStatus,
    OnboardingTask,
    Partner,
    PartnerDomain,
    PartnerTypeCode,
    ScorecardCriterion,
    ScorecardScore,
    Stage,
    StageChange,
)
from openprm.partners.scoping import get_scoped_or_404
from openprm.programs.models import Tier

from .forms import ROLE_FILTER_CHOICES, ConsoleInviteForm, ScorecardForm, TaskForm
from .queries import csv_response, deal_and_agreement_kpis, filtered_partners, late_q, mark_late

PER_PAGE = 25
BOARD_LIMIT = 50
PARTNER_SORTS = {"name": ("name", "id"), "stage": ("stage", "name"), "country": ("country", "name"),
                 "created": ("created_at", "id"), "stage_entered": ("stage_entered_at", "id")}
TABS = [("profile", "Profile"), ("contacts", "Contacts"), ("lifecycle", "Lifecycle"), ("scorecard", "Scorecard"),
        ("onboarding", "Onboarding"), ("users", "Users"), ("audit", "Audit")]
TAB_CODES = {code for code, _ in TABS}


def _querystring(params, drop=("page",)) -> str:
    """The current GET parameters minus `drop`, for pagination and sort links."""
    return urlencode([(k, v) for k, v in params.items() if k not in drop and v])



def _forbid_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _partner(request, pk, *related):
    return get_scoped_or_404(Partner.objects.select_related(*related), request.user, pk=pk)


def _detail_url(partner, tab="profile") -> str:
    url = reverse("console:partner_detail", args=[partner.pk])
    return url if tab == "profile" else f"{url}?tab={tab}"


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


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
        "events": events_for_user(user).select_related("partner")[:12],
        "is_manager": user.role == Role.CHANNEL_MANAGER,
        "kpis": deal_and_agreement_kpis(user, timezone.localdate()),
    }
    if context["is_manager"]:
        mine = visible.filter(manager=user).order_by("stage", "name")
        context["my_partners"] = mark_late(mine[:15], targets)
        context["my_partner_count"] = mine.count()
        context["my_open_tasks"] = (OnboardingTask.objects.for_user(user)
                                    .filter(completed_at__isnull=True, owner=user)
                                    .select_related("partner").order_by("due_on")[:10])
    return render(request, "console/home.html", context)


# ---------------------------------------------------------------- partner list

def _partner_rows(request):
    """The list's partners after the filters and the sort; also the sort key used."""
    targets = partners.stage_targets()
    queryset = (Partner.objects.for_user(request.user).select_related("manager")
                .prefetch_related("types"))
    queryset = filtered_partners(queryset, request.GET, targets)
    sort = request.GET.get("sort") or "name"
    key = sort.lstrip("-")
    if key not in PARTNER_SORTS:
        sort, key = "name", "name"
    order = [f"-{f}" if sort.startswith("-") else f for f in PARTNER_SORTS[key]]
    return queryset.order_by(*order), sort, targets


@vendor_required
def partner_list(request):
    user = request.user
    rows, sort, targets = _partner_rows(request)
    if request.GET.get("format") == "csv":
        return _partners_csv(rows, targets)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = mark_late(page.object_list, targets)
    filters = {name: request.GET.get(name, "") for name in
               ("q", "stage", "region", "type", "tier", "manager", "late", "country", "source")}
    managers = (User.objects.for_user(user).filter(role=Role.CHANNEL_MANAGER).order_by("full_name", "email")
                if user.sees_all_partners else [])
    sort_links = {}
    base = _querystring(request.GET, drop=("page", "sort"))
    for key in PARTNER_SORTS:
        next_sort = f"-{key}" if sort == key else key
        sort_links[key] = {"url": "?" + "&".join(p for p in (base, f"sort={next_sort}") if p),
                           "dir": "asc" if sort == key else "desc" if sort == f"-{key}" else ""}
    return render(request, "console/partner_list.html", {
        "page": page, "partners": page.object_list, "filters": filters, "sort": sort, "sort_links": sort_links,
        "querystring": _querystring(request.GET), "csv_query": _querystring(request.GET, drop=("page", "format")),
        "filtered": any(v for k, v in filters.items()),
        "stages": Stage.choices, "regions": Region.choices, "types": PartnerTypeCode.choices,
        "tiers": Tier.objects.order_by("rank").values_list("code", "name"), "managers": managers,
        "can_create": user.role in (Role.ADMIN, Role.CHANNEL_MANAGER),
    })


def _partners_csv(rows, targets):
    header = ["id", "name", "legal_name", "types", "country", "region", "stage", "days_in_stage", "late", "tier",
              "manager", "website", "domain", "source", "created_at"]

    def lines():
        for chunk_start in range(0, rows.count(), 500):
            for p in mark_late(rows[chunk_start:chunk_start + 500], targets):
                yield [p.pk, p.name, p.legal_name, " ".join(p.type_codes), p.country, p.region, p.stage, p.days_in,
                       "yes" if p.late else "no", p.tier, p.manager.email if p.manager else "", p.website,
                       p.domain, p.source, p.created_at.isoformat()]

    return csv_response("partners.csv", header, lines())


# ---------------------------------------------------------------- create and edit

@vendor_required
def partner_create(request):
    _forbid_unless(request.user.role in (Role.ADMIN, Role.CHANNEL_MANAGER),
                   "Only program admins and channel managers add partners.")
    initial = {"manager": request.user} if request.user.role == Role.CHANNEL_MANAGER else {}
    form = PartnerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            partner = partners.create_partner(actor=request.user, data=form.service_data())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"{partner.name} added in {partner.get_stage_display()}.")
            return redirect("console:partner_detail", partner.pk)
    return render(request, "console/partner_form.html", {"form": form, "partner": None})


@vendor_required
def partner_edit(request, pk):
    partner = _partner(request, pk)
    _forbid_unless(partners.can_edit_profile(request.user, partner), "You may not edit this partner.")
    instance = _partner(request, pk)
    # Names, not Specialization objects: the form's comma-list field joins them as text.
    initial = {"types": instance.type_codes, "specializations": [s.name for s in instance.specializations.all()]}
    form = PartnerForm(request.POST or None, instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            partners.update_partner(actor=request.user, partner=partner, data=form.service_data())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['name']} saved.")
            return redirect("console:partner_detail", partner.pk)
    return render(request, "console/partner_form.html", {"form": form, "partner": partner})


# ---------------------------------------------------------------- partner detail

def _detail_context(request, partner, tab, **forms):
    """Everything the chosen tab shows; bound forms with errors may be passed in to be shown instead."""
    user = request.user
    can_edit = partners.can_edit_profile(user, partner)
    can_manage = partners.can_manage_lifecycle(user, partner)
    can_people = accounts.can_manage_people_of(user, partner)
    targets = partners.stage_targets()
    mark_late([partner], targets)
    context = {"partner": partner, "tab": tab, "tabs": TABS, "can_edit": can_edit, "can_manage": can_manage,
               "can_people": can_people}
    if tab == "profile":
        context["domains"] = PartnerDomain.objects.for_user(user).filter(partner=partner)
        context["specializations"] = [s.name for s in partner.specializations.all()]
        context["types"] = partner.types.all()
        context["primary_contact"] = Contact.objects.for_user(user).filter(partner=partner, is_primary=True).first()
    elif tab == "contacts":
        context["contacts"] = Contact.objects.for_user(user).filter(partner=partner)
        context["contact_form"] = forms.get("contact_form") or ContactForm()
    elif tab == "lifecycle":
        allowed = partners.allowed_next_stages(partner)
        context["allowed"] = allowed
        context["stage_form"] = forms.get("stage_form") or StageForm(allowed=allowed)
        context["history"] = (StageChange.objects.for_user(user).filter(partner=partner)
                              .select_related("actor"))
        context["development"] = [(s, Stage(s).label) for s in DEVELOPMENT_STAGES]
        context["stage_index"] = (DEVELOPMENT_STAGES.index(partner.stage)
                                  if partner.stage in DEVELOPMENT_STAGES else None)
        if partner.target_days:
            context["stage_due_at"] = partner.stage_entered_at + timedelta(days=partner.target_days)
            context["stage_percent"] = min(100, round(100 * partner.days_in / partner.target_days))
    elif tab == "scorecard":
        scores = {s.criterion_id: s for s in ScorecardScore.objects.for_user(user).filter(partner=partner)
                  .select_related("scored_by")}
        criteria = list(ScorecardCriterion.objects.all())
        form = forms.get("scorecard_form") or ScorecardForm(
            criteria=criteria, scores=scores,
            initial={"reference_checks": partner.reference_checks, "roi_projection": partner.roi_projection,
                     "roi_currency": partner.roi_currency})
        context["scorecard_form"] = form
        context["weighted_score"] = partner.weighted_score()
        context["scored"] = len(scores)
        context["criteria_count"] = len(criteria)
        context["last_scored"] = max((s.scored_at for s in scores.values()), default=None)
        context["score_rows"] = [(c, sf, nf, scores.get(c.pk)) for c, sf, nf in form.rows()]
    elif tab == "onboarding":
        tasks = list(OnboardingTask.objects.for_user(user).filter(partner=partner)
                     .select_related("owner", "completed_by"))
        today = timezone.localdate()
        for task in tasks:
            task.overdue = task.is_overdue(today)
            if can_manage:
                task.form = TaskForm(initial={"due_on": task.due_on, "owner": task.owner_id}, user=user,
                                     partner=partner, prefix=f"t{task.pk}")
        done = sum(1 for t in tasks if t.is_done)
        context.update(tasks=tasks, tasks_done=done, tasks_overdue=sum(1 for t in tasks if t.overdue),
                       progress=round(100 * done / len(tasks)) if tasks else 0,
                       template=partners.template_for(partner))
    elif tab == "users":
        context["people"] = (User.objects.for_user(user).filter(partner=partner)
                             .order_by("-is_active", "full_name", "email"))
        context["invitations"] = (Invitation.objects.for_user(user).filter(partner=partner).pending()
                                  .select_related("invited_by"))
        context["invite_form"] = forms.get("invite_form") or InviteForm(partner_roles_only=True,
                                                                        initial={"role": Role.PARTNER_ADMIN})
        context["join_requests"] = JoinRequest.objects.for_user(user).filter(partner=partner,
                                                                             status=JoinRequestStatus.PENDING)
        context["partner_roles"] = [(r.value, r.label) for r in Role if r in PARTNER_ROLES]
    elif tab == "audit":
        events = events_for_user(user).filter(partner=partner)
        context["event_count"] = events.count()
        context["events"] = events[:100]
    return context


@vendor_required
def partner_detail(request, pk):
    partner = _partner(request, pk, "manager")
    tab = request.GET.get("tab", "profile")
    if tab not in TAB_CODES:
        tab = "profile"
    return render(request, "console/partner_detail.html", _detail_context(request, partner, tab))


def _render_tab(request, partner, tab, **forms):
    return render(request, "console/partner_detail.html", _detail_context(request, partner, tab, **forms))


# ---------------------------------------------------------------- contacts

@vendor_required
@require_POST
def partner_contact_add(request, pk):
    partner = _partner(request, pk, "manager")
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            contact = partners.save_contact(actor=request.user, partner=partner, data=form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"{contact.name} added to the contacts.")
            return redirect(_detail_url(partner, "contacts"))
    return _render_tab(request, partner, "contacts", contact_form=form)


@vendor_required
def partner_contact_edit(request, contact_id):
    contact = get_scoped_or_404(Contact.objects.select_related("partner"), request.user, pk=contact_id)
    partner = contact.partner
    _forbid_unless(partners.can_edit_profile(request.user, partner), "You may not change this partner's contacts.")
    initial = {f: getattr(contact, f) for f in partners.CONTACT_FIELDS}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            partners.save_contact(actor=request.user, partner=partner, contact=contact, data=form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"{form.cleaned_data['name']} saved.")
            return redirect(_detail_url(partner, "contacts"))
    return render(request, "console/contact_form.html", {"form": form, "contact": contact, "partner": partner})


@vendor_required
@require_POST
def partner_contact_delete(request, contact_id):
    contact = get_scoped_or_404(Contact.objects.select_related("partner"), request.user, pk=contact_id)
    partner = contact.partner
    try:
        partners.delete_contact(actor=request.user, contact=contact)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{contact.name} removed from the contacts.")
    return redirect(_detail_url(partner, "contacts"))


# ---------------------------------------------------------------- lifecycle

@vendor_required
@require_POST
def partner_stage(request, pk):
    partner = _partner(request, pk, "manager")
    form = StageForm(request.POST, allowed=partners.allowed_next_stages(partner))
    if form.is_valid():
        try:
            partner = partners.change_stage(actor=request.user, partner=partner, stage=form.cleaned_data["stage"],
                                            note=form.cleaned_data["note"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"{partner.name} is now in {partner.get_stage_display()}.")
            return redirect(_detail_url(partner, "lifecycle"))
    return _render_tab(request, partner, "lifecycle", stage_form=form)


# ---------------------------------------------------------------- scorecard

@vendor_required
@require_POST
def partner_scorecard(request, pk):
    partner = _partner(request, pk, "manager")
    scores = {s.criterion_id: s for s in ScorecardScore.objects.for_user(request.user).filter(partner=partner)}
    form = ScorecardForm(request.POST, criteria=ScorecardCriterion.objects.all(), scores=scores)
    if form.is_valid():
        data = form.cleaned_data
        try:
            partners.score_partner(actor=request.user, partner=partner, scores=form.service_scores(),
                                   reference_checks=data["reference_checks"], roi_projection=data["roi_projection"],
                                   roi_currency=data["roi_currency"])
        except DomainError as exc:
            # The service names criteria by code; the form's fields are score_<code>.
            exc.errors = {(f"score_{k}" if f"score_{k}" in form.fields else k): v for k, v in exc.errors.items()}
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Scorecard saved.")
            return redirect(_detail_url(partner, "scorecard"))
    return _render_tab(request, partner, "scorecard", scorecard_form=form)


# ---------------------------------------------------------------- onboarding

@vendor_required
@require_POST
def partner_onboarding_start(request, pk):
    partner = _partner(request, pk, "manager")
    try:
        tasks = partners.start_onboarding(actor=request.user, partner=partner)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Onboarding started with {len(tasks)} steps.")
    return redirect(_detail_url(partner, "onboarding"))


def _task(request, task_id):
    return get_scoped_or_404(OnboardingTask.objects.select_related("partner"), request.user, pk=task_id)


@vendor_required
@require_POST
def partner_task_done(request, task_id):
    task = _task(request, task_id)
    done = request.POST.get("done", "1") == "1"
    try:
        partners.set_task_done(actor=request.user, task=task, done=done)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"“{task.title}” marked {'done' if done else 'not done'}.")
    return redirect(_detail_url(task.partner, "onboarding"))


@vendor_required
@require_POST
def partner_task_update(request, task_id):
    task = _task(request, task_id)
    form = TaskForm(request.POST, user=request.user, partner=task.partner, prefix=f"t{task.pk}")
    if not form.is_valid():
        messages.error(request, "Choose a valid owner and due date.")
    else:
        try:
            partners.update_task(actor=request.user, task=task, owner=form.cleaned_data["owner"],
                                 due_on=form.cleaned_data["due_on"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"“{task.title}” updated.")
    return redirect(_detail_url(task.partner, "onboarding"))


# ---------------------------------------------------------------- people

@vendor_required
@require_POST
def partner_invite(request, pk):
    partner = _partner(request, pk, "manager")
    form = InviteForm(request.POST, partner_roles_only=True)
    if form.is_valid():
        try:
            accounts.invite(actor=request.user, partner=partner, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
            return redirect(_detail_url(partner, "users"))
    return _render_tab(request, partner, "users", invite_form=form)


@vendor_required
def user_list(request):
    user = request.user
    form = ConsoleInviteForm(request.POST or None, user=user, initial={"role": Role.PARTNER_ADMIN})
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                accounts.invite(actor=user, email=data["email"], full_name=data["full_name"], role=data["role"],
                                partner=data["partner"])
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"Invitation sent to {data['email']}.")
                return redirect("console:user_list")
    people = User.objects.for_user(user).select_related("partner")
    filters = {name: request.GET.get(name, "") for name in ("q", "role", "partner", "active")}
    if filters["q"]:
        people = people.filter(Q(email__icontains=filters["q"]) | Q(full_name__icontains=filters["q"]))
    if filters["role"] in Role.values:
        people = people.filter(role=filters["role"])
    if filters["partner"] == "vendor":
        people = people.filter(partner__isnull=True)
    elif int_param(filters["partner"]) is not None:
        people = people.filter(partner_id=int_param(filters["partner"]))
    if filters["active"] in ("1", "0"):
        people = people.filter(is_active=filters["active"] == "1")
    people = people.order_by("-is_active", "full_name", "email")
    page = Paginator(people, PER_PAGE).get_page(request.GET.get("page"))
    for person in page.object_list:
        person.can_manage = person.pk != user.pk and accounts.can_manage_people_of(user, person.partner)
    invitations = Invitation.objects.for_user(user).pending().select_related("partner", "invited_by")
    if user.role == Role.CHANNEL_MANAGER:
        invitations = invitations.filter(partner__isnull=False)
    return render(request, "console/user_list.html", {
        "page": page, "people": page.object_list, "filters": filters, "querystring": _querystring(request.GET),
        "filtered": any(filters.values()), "roles": ROLE_FILTER_CHOICES,
        "partners": Partner.objects.for_user(user).order_by("name").only("pk", "name"),
        "invite_form": form, "invitations": invitations, "open_invite": request.method == "POST",
        "can_invite_vendor": user.is_program_admin,
    })


@vendor_required
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = get_scoped_or_404(Invitation.objects.select_related("partner"), request.user, pk=invitation_id)
    try:
        accounts.revoke_invitation(actor=request.user, invitation=invitation)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invitation for {invitation.email} revoked; its link no longer works.")
    return redirect(_safe_next(request, reverse("console:user_list")))


@vendor_required
@require_POST
def user_access(request, user_id):
    person = get_scoped_or_404(User.objects.select_related("partner"), request.user, pk=user_id)
    active = request.POST.get("is_active")
    if active not in ("0", "1"):
        messages.error(request, "Choose to deactivate or reactivate the user.")
    else:
        try:
            accounts.update_user(actor=request.user, user=person, is_active=active == "1")
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{person.display_name} {'reactivated' if active == '1' else 'deactivated'}"
                                      f"{'' if active == '1' else '; they can no longer sign in'}.")
    return redirect(_safe_next(request, reverse("console:user_list")))


@vendor_required
@require_POST
def join_request_decide(request, join_id, decision):
    """Approve (with a partner role) or decline someone who asked to join from a verified domain."""
    join = get_scoped_or_404(JoinRequest.objects.select_related("partner"), request.user, pk=join_id)
    role = request.POST.get("role") or Role.PARTNER_SALES
    try:
        if decision == "approve":
            created = partners.approve_join_request(actor=request.user, join=join, role=role)
            messages.success(request, f"{created.display_name} can now sign in as {created.get_role_display()}.")
        else:
            partners.decline_join_request(actor=request.user, join=join)
            messages.success(request, f"Request from {join.email} declined.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(_detail_url(join.partner, "users"))


@vendor_required
@require_POST
def domain_verify(request, domain_id):
    """The vendor confirms (or withdraws) that a partner owns an e-mail domain."""
    domain = get_scoped_or_404(PartnerDomain.objects.select_related("partner"), request.user, pk=domain_id)
    verified = request.POST.get("verified", "1") == "1"
    try:
        partners.verify_domain(actor=request.user, domain=domain, verified=verified)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{domain.domain} {'verified' if verified else 'no longer verified'}.")
    return redirect(_detail_url(domain.partner))


# ---------------------------------------------------------------- lifecycle board

@vendor_required
def lifecycle_board(request):
    visible = Partner.objects.for_user(request.user)
    if int_param(request.GET.get("manager")) and request.user.sees_all_partners:
        visible = visible.filter(manager_id=int_param(request.GET["manager"]))
    if request.GET.get("region") in Region.values:
        visible = visible.filter(region=request.GET["region"])
    targets = partners.stage_targets()
    counts = dict(visible.values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
    extra = _querystring({k: request.GET.get(k, "") for k in ("region", "manager")})
    columns = []
    for code, label in Stage.choices:
        tiles = mark_late(visible.filter(stage=code).order_by("stage_entered_at", "id")[:BOARD_LIMIT], targets)
        total = counts.get(code, 0)
        columns.append({"code": code, "label": label, "tiles": tiles, "total": total,
                        "late": sum(1 for t in tiles if t.late), "more": max(0, total - len(tiles)),
                        "list_url": reverse("console:partner_list") + "?" + "&".join(
                            p for p in (f"stage={code}", extra, "sort=stage_entered") if p),
                        "target": targets.get(code)})
    managers = (User.objects.for_user(request.user).filter(role=Role.CHANNEL_MANAGER).order_by("full_name")
                if request.user.sees_all_partners else [])
    return render(request, "console/lifecycle_board.html", {
        "columns": columns, "regions": Region.choices, "managers": managers,
        "filters": {"region": request.GET.get("region", ""), "manager": request.GET.get("manager", "")},
    })


# ---------------------------------------------------------------- audit trail

def _day_start(value: str):
    day = parse_date(value or "") if value else None
    return timezone.make_aware(datetime.combine(day, time.min)) if day else None


@vendor_required
def audit_list(request):
    user = request.user
    events = events_for_user(user).select_related("partner")
    filters = {name: request.GET.get(name, "").strip() for name in
               ("q", "partner", "actor", "verb", "object_type", "action", "date_from", "date_to")}
    if filters["q"]:
        q = filters["q"]
        events = events.filter(Q(object_repr__icontains=q) | Q(actor_label__icontains=q) | Q(verb__icontains=q)
                               | Q(note__icontains=q))
    if int_param(filters["partner"]) is not None:
        events = events.filter(partner_id=int_param(filters["partner"]))
    if filters["actor"]:
        events = events.filter(actor_label__icontains=filters["actor"])
    if filters["verb"]:
        events = events.filter(verb__startswith=filters["verb"])
    if filters["object_type"]:
        events = events.filter(object_type=filters["object_type"])
    if filters["action"] in Action.values:
        events = events.filter(action=filters["action"])
    start, end = _day_start(filters["date_from"]), _day_start(filters["date_to"])
    if start:
        events = events.filter(created_at__gte=start)
    if end:
        events = events.filter(created_at__lt=end + timedelta(days=1))
    if request.GET.get("format") == "csv":
        return csv_response("audit-trail.csv", ["time", "actor", "action", "verb", "object_type", "object_id",
                                                "object", "partner", "changes", "note"],
                            ([e.created_at.isoformat(), e.actor_label, e.action, e.verb, e.object_type, e.object_id,
                              e.object_repr, e.partner.name if e.partner else "",
                              json.dumps(e.changes, ensure_ascii=False), e.note]
                             for e in events.iterator(chunk_size=1000)))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "console/audit_list.html", {
        "page": page, "events": page.object_list, "filters": filters, "querystring": _querystring(request.GET),
        "csv_query": _querystring(request.GET, drop=("page", "format")), "filtered": any(filters.values()),
        "partners": Partner.objects.for_user(user).order_by("name").only("pk", "name"),
        "object_types": events_for_user(user).order_by("object_type").values_list("object_type", flat=True)
        .distinct(),
        "actions": Action.choices,
    })
