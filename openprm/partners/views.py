"""Partner pages: the public ones, the console's partner pages and the portal's company profile.

- Public (no sign-in): the application form, the partner locator and self-registration. The locator lists
  only what `directory` allows.
- Console (`partners:console_*`, under /console/): the partner list, the lifecycle board, a partner's page
  with its tabs (profile, contacts, lifecycle, scorecard, onboarding, users, audit) and their actions.
- Portal (`partners:portal_*`, under /portal/): the partner's own company profile, branding, contacts,
  sign-up domains, onboarding steps and requests to join.

Thin: lists go through `Model.objects.for_user(request.user)`, objects through `get_scoped_or_404` (another
partner's, or another manager's, answers 404), and every change through `services` by way of
`openprm.lib.pages.page_action`. Contacts and join requests use one form and one template on both sides;
the views differ only in who may use them and where they lead back to.
"""

from datetime import timedelta

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from openprm.accounts import ratelimit
from openprm.accounts import services as accounts
from openprm.accounts.access import partner_required, require_partner_admin, vendor_required
from openprm.accounts.exceptions import RateLimited
from openprm.accounts.forms import PARTNER_ROLE_CHOICES, InviteForm
from openprm.accounts.models import Invitation, Role, User
from openprm.accounts.scoping import get_scoped_or_404
from openprm.audit.scoping import events_for_user
from openprm.lib import clock, tables
from openprm.lib.bulk import bulk_action
from openprm.lib.errors import DomainError
from openprm.lib.forms import apply_domain_error
from openprm.lib.pages import page_action
from openprm.lib.params import int_param, querystring
from openprm.lib.pickers import MAX_MATCHES, option_text, options_response, search_text
from openprm.lib.regions import Region

from . import directory, services
from .exceptions import Conflict, JoinConfirmationInvalid
from .forms import (
    ApplicationForm,
    ApproveJoinForm,
    CompanyProfileForm,
    ContactForm,
    DomainForm,
    PartnerBulkForm,
    PartnerForm,
    PortalBrandingForm,
    ScorecardForm,
    StageForm,
    TaskForm,
)
from .models import (
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
from .public_forms import JoinForm
from .queries import filtered_partners, mark_late

LOCATOR_PAGE_SIZE = 24
# The invisible field of the public forms (see openprm.lib.forms.honeypot_field).
HONEYPOT_FIELD = "website_confirm"
# Service field names → the application form's field names.
APPLICATION_FIELDS = {"name": "company_name", "domain": "contact_email", "email": "contact_email",
                      "phone": "contact_phone", "job_title": "contact_title"}


def apply(request):
    """The 'become a partner' form: a valid application lands in Qualification for the channel team."""
    if _is_bot(request):
        return redirect("partners:apply_thanks")
    form = ApplicationForm(request.POST or None)

    def show_form(form, status=200):
        return render(request, "partners/apply.html", {"form": form}, status=status)

    def submit(data):
        args = form.service_args()
        if services.is_free_email_domain(args["data"]["domain"]):
            args["data"]["domain"] = ""  # a webmail address says nothing about the company's domain
        ratelimit.enforce_public_form(scope="apply", request=request, address=data["contact_email"])
        partner = services.submit_application(**args)
        request.session["applied_as"] = partner.name
        return partner

    if request.method != "POST":
        return show_form(form)
    return page_action(request, submit, form=form, show_form=show_form,
                       on_refusal=_public_refusal(form, show_form, place=_apply_application_error),
                       redirect_to=reverse("partners:apply_thanks"))


def _is_bot(request) -> bool:
    """A POST that filled the invisible field: thank it like anyone else, but keep and send nothing.

    Checked before the form is even validated, so a bot learns nothing from error messages either.
    """
    return request.method == "POST" and bool(request.POST.get(HONEYPOT_FIELD, "").strip())


def _public_refusal(form, show_form, *, place=apply_domain_error):
    """A public form's refusal lands on the form; too many tries answer 429 (the page, not a bare error)."""
    def answer(exc: DomainError):
        if isinstance(exc, RateLimited):
            apply_domain_error(form, exc)
            return show_form(form, status=429)
        place(form, exc)
        return show_form(form)
    return answer


def _apply_application_error(form, exc: DomainError) -> None:
    if isinstance(exc, Conflict) and "domain" in exc.errors:
        form.add_error(None, "Your company already appears to be in our partner program. Ask your partner admin "
                             "for an invitation or request access with your work e-mail.")
        return
    exc.errors = {APPLICATION_FIELDS.get(k, k): v for k, v in exc.errors.items()}
    apply_domain_error(form, exc)


def apply_thanks(request):
    return render(request, "partners/apply_thanks.html", {"company": request.session.pop("applied_as", "")})


def locator(request):
    """The public directory of active partners that chose to be listed."""
    filters = directory.DirectoryFilters.from_query(request.GET)
    page = Paginator(directory.public_directory(filters), LOCATOR_PAGE_SIZE).get_page(request.GET.get("page"))
    querystring = request.GET.copy()
    querystring.pop("page", None)
    return render(request, "partners/locator.html", {
        "page": page, "partners": page.object_list, "filters": filters, "choices": directory.filter_choices(),
        "querystring": querystring.urlencode(),
    })


def join(request):
    """Self-registration for people of an existing partner, from one of its verified e-mail domains.

    The request stays unconfirmed until the person follows the link e-mailed to the address (`join_confirm`).
    """
    if request.user.is_authenticated:
        messages.info(request, "You are already signed in.")
        return redirect("home")
    if _is_bot(request):
        return redirect("partners:join_sent")
    form = JoinForm(request.POST or None)

    def show_form(form, status=200):
        return render(request, "partners/join.html", {"form": form, "apply_url": reverse("partners:apply")},
                      status=status)

    def ask(data):
        ratelimit.enforce_public_form(scope="join", request=request, address=data["email"])
        return services.request_to_join(email=data["email"], full_name=data["full_name"], password=data["password"])

    if request.method != "POST":
        return show_form(form)
    return page_action(request, ask, form=form, show_form=show_form, on_refusal=_public_refusal(form, show_form),
                       redirect_to=reverse("partners:join_sent"))


def join_sent(request):
    return render(request, "partners/join_sent.html")


def join_confirm(request, token):
    """The link e-mailed to someone who asked to join: a button (so mail scanners that fetch links confirm
    nothing by themselves) that confirms the address and sends the request to the partner's admins."""
    try:
        join = services.find_unconfirmed_join(token)
    except JoinConfirmationInvalid as exc:
        return render(request, "partners/join_confirm.html", {"message": exc.message}, status=400)
    if request.method == "POST":
        try:
            join = services.confirm_join_request(token=token)
        except DomainError as exc:
            return render(request, "partners/join_confirm.html", {"message": exc.message}, status=exc.status)
        return render(request, "partners/join_confirm.html", {"join": join, "confirmed": True})
    return render(request, "partners/join_confirm.html", {"join": join})


# ================================================================ console (vendor staff)

PER_PAGE = 25
BOARD_LIMIT = 50
PARTNER_SORTS = {"name": ("name", "id"), "stage": ("stage", "name"), "country": ("country", "name"),
                 "created": ("created_at", "id"), "stage_entered": ("stage_entered_at", "id")}
TABS = [("profile", "Profile"), ("contacts", "Contacts"), ("lifecycle", "Lifecycle"), ("scorecard", "Scorecard"),
        ("onboarding", "Onboarding"), ("users", "Users"), ("audit", "Audit")]
TAB_CODES = {code for code, _ in TABS}


def _forbid_unless(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _partner(request, pk, *related):
    return get_scoped_or_404(Partner.objects.select_related(*related), request.user, pk=pk)


def _detail_url(partner, tab="profile") -> str:
    url = reverse("partners:console_detail", args=[partner.pk])
    return url if tab == "profile" else f"{url}?tab={tab}"


# ---------------------------------------------------------------- partner list

def _partner_rows(request):
    """The list's partners after the filters and the sort; also the sort key used."""
    targets = services.stage_targets()
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
def console_list(request):
    """Every partner the user may see, filtered, sorted and paginated, or as CSV."""
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
    base = querystring(request.GET, drop=("page", "sort"))
    for key in PARTNER_SORTS:
        next_sort = f"-{key}" if sort == key else key
        sort_links[key] = {"url": "?" + "&".join(p for p in (base, f"sort={next_sort}") if p),
                           "dir": "asc" if sort == key else "desc" if sort == f"-{key}" else ""}
    return render(request, "partners/console_list.html", {
        "page": page, "partners": page.object_list, "filters": filters, "sort": sort, "sort_links": sort_links,
        "querystring": querystring(request.GET), "csv_query": querystring(request.GET, drop=("page", "format")),
        "filtered": any(v for k, v in filters.items()),
        "stages": Stage.choices, "regions": Region.choices, "types": PartnerTypeCode.choices,
        "tiers": _tier_choices(), "managers": managers,
        "can_create": user.role in (Role.ADMIN, Role.CHANNEL_MANAGER),
        # Bulk actions: staff who own relationships; assigning managers is for those who see every partner.
        "can_bulk": user.role in (Role.ADMIN, Role.CHANNEL_MANAGER),
        "bulk_managers": (User.objects.for_user(user).filter(role=Role.CHANNEL_MANAGER, is_active=True)
                          .order_by("full_name", "email")
                          if user.role == Role.ADMIN else []),
        "next": request.get_full_path(),
    })


@vendor_required
@require_POST
def console_bulk(request):
    """Assign a channel manager to, or move the stage of, the partners ticked on the list — each through the
    profile or lifecycle service (and its audit event) in its own transaction; refusals are named."""
    form = PartnerBulkForm(request.POST)

    def run(partner):
        data = form.cleaned_data
        if data["action"] == "manager":
            return services.update_partner(actor=request.user, partner=partner, data={"manager": data["manager"]})
        return services.change_stage(actor=request.user, partner=partner, stage=data["stage"], note=data["note"])

    def done(count):
        what = "Assigned the manager to" if form.cleaned_data["action"] == "manager" else "Moved"
        return f"{what} {count} partner{'s' if count != 1 else ''}."

    return bulk_action(request, form=form, queryset=Partner.objects.for_user(request.user), call=run,
                       label=lambda partner: partner.name, done=done, redirect_to=reverse("partners:console_list"))


@vendor_required
def console_pick(request):
    """htmx picker search: up to 20 partners the user may see whose name, legal name or domain contains what
    was typed (a channel manager finds only his own)."""
    partners = Partner.objects.for_user(request.user)
    if text := search_text(request):
        partners = partners.filter(Q(name__icontains=text) | Q(legal_name__icontains=text)
                                   | Q(domain__icontains=text))
    return options_response(option_text(p.name, p.pk) for p in partners.order_by("name")[:MAX_MATCHES])


def _tier_choices():
    """(code, name) of the program's tiers, by rank, for the list's tier filter.

    Tiers belong to the programs app, which sits above this one (it imports partners), so the page looks the
    model up by name instead of importing it: the one place partners reads a programs table.
    """
    return apps.get_model("programs", "Tier").objects.order_by("rank").values_list("code", "name")


def _partners_csv(rows, targets):
    header = ["id", "name", "legal_name", "types", "country", "region", "stage", "days_in_stage", "late", "tier",
              "manager", "website", "domain", "source", "created_at"]

    def lines():
        for chunk_start in range(0, rows.count(), 500):
            for p in mark_late(rows[chunk_start:chunk_start + 500], targets):
                yield [p.pk, p.name, p.legal_name, " ".join(p.type_codes), p.country, p.region, p.stage, p.days_in,
                       "yes" if p.late else "no", p.tier, p.manager.email if p.manager else "", p.website,
                       p.domain, p.source, p.created_at.isoformat()]

    return tables.csv_stream("partners.csv", header, lines())


# ---------------------------------------------------------------- create and edit

@vendor_required
def console_new(request):
    """Add a partner (program admins and channel managers; a manager's own partner by default)."""
    _forbid_unless(request.user.role in (Role.ADMIN, Role.CHANNEL_MANAGER),
                   "Only program admins and channel managers add partners.")
    initial = {"manager": request.user} if request.user.role == Role.CHANNEL_MANAGER else {}
    form = PartnerForm(request.POST or None, initial=initial)

    def show(form):
        return render(request, "partners/console_form.html", {"form": form, "partner": None})

    if request.method != "POST":
        return show(form)
    return page_action(
        request, lambda _data: services.create_partner(actor=request.user, data=form.service_data()),
        form=form, show_form=show,
        success=lambda partner: f"{partner.name} added in {partner.get_stage_display()}.",
        redirect_to=lambda partner: reverse("partners:console_detail", args=[partner.pk]))


@vendor_required
def console_edit(request, pk):
    """Edit a partner's profile (who may is the service's rule)."""
    partner = _partner(request, pk)
    _forbid_unless(services.can_edit_profile(request.user, partner), "You may not edit this partner.")
    instance = _partner(request, pk)
    # Names, not Specialization objects: the form's comma-list field joins them as text.
    initial = {"types": instance.type_codes, "specializations": [s.name for s in instance.specializations.all()]}
    form = PartnerForm(request.POST or None, instance=instance, initial=initial)

    def show(form):
        return render(request, "partners/console_form.html", {"form": form, "partner": partner})

    if request.method != "POST":
        return show(form)
    return page_action(
        request, lambda _data: services.update_partner(actor=request.user, partner=partner, data=form.service_data()),
        form=form, show_form=show, success=lambda _: f"{form.cleaned_data['name']} saved.",
        redirect_to=reverse("partners:console_detail", args=[partner.pk]))


# ---------------------------------------------------------------- partner page and its tabs

def _detail_context(request, partner, tab, **forms):
    """Everything the chosen tab shows; bound forms with errors may be passed in to be shown instead."""
    user = request.user
    can_edit = services.can_edit_profile(user, partner)
    can_manage = services.can_manage_lifecycle(user, partner)
    can_people = accounts.can_manage_people_of(user, partner)
    targets = services.stage_targets()
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
        allowed = services.allowed_next_stages(partner)
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
        today = clock.today()
        for task in tasks:
            task.overdue = task.is_overdue(today)
            if can_manage:
                task.form = TaskForm(initial={"due_on": task.due_on, "owner": task.owner_id}, user=user,
                                     partner=partner, prefix=f"t{task.pk}")
        done = sum(1 for t in tasks if t.is_done)
        context.update(tasks=tasks, tasks_done=done, tasks_overdue=sum(1 for t in tasks if t.overdue),
                       progress=round(100 * done / len(tasks)) if tasks else 0,
                       template=services.template_for(partner))
    elif tab == "users":
        context["people"] = list(User.objects.for_user(user).filter(partner=partner)
                                 .order_by("-is_active", "full_name", "email"))
        for person in context["people"]:
            person.can_manage = can_people
        context["invitations"] = (Invitation.objects.for_user(user).filter(partner=partner).pending()
                                  .select_related("invited_by"))
        context["invite_form"] = forms.get("invite_form") or InviteForm(partner_roles_only=True,
                                                                        initial={"role": Role.PARTNER_ADMIN})
        context["join_requests"] = JoinRequest.objects.for_user(user).filter(partner=partner,
                                                                             status=JoinRequestStatus.PENDING)
        context["partner_roles"] = PARTNER_ROLE_CHOICES
    elif tab == "audit":
        events = events_for_user(user).filter(partner=partner)
        context["event_count"] = events.count()
        context["events"] = events[:100]
    return context


@vendor_required
def console_detail(request, pk):
    """A partner's page, one tab at a time (`?tab=`)."""
    partner = _partner(request, pk, "manager")
    tab = request.GET.get("tab", "profile")
    if tab not in TAB_CODES:
        tab = "profile"
    return render(request, "partners/console_detail.html", _detail_context(request, partner, tab))


def _render_tab(request, partner, tab, **forms):
    return render(request, "partners/console_detail.html", _detail_context(request, partner, tab, **forms))


# ---------------------------------------------------------------- console: contacts

@vendor_required
@require_POST
def console_contact_add(request, pk):
    """Add a contact from the partner's Contacts tab."""
    partner = _partner(request, pk, "manager")
    return page_action(
        request, lambda data: services.save_contact(actor=request.user, partner=partner, data=data),
        form=ContactForm(request.POST),
        show_form=lambda form: _render_tab(request, partner, "contacts", contact_form=form),
        success=lambda contact: f"{contact.name} added to the contacts.",
        redirect_to=_detail_url(partner, "contacts"))


@vendor_required
def console_contact_edit(request, contact_id):
    """Edit one of a partner's contacts."""
    contact = get_scoped_or_404(Contact.objects.select_related("partner"), request.user, pk=contact_id)
    partner = contact.partner
    _forbid_unless(services.can_edit_profile(request.user, partner), "You may not change this partner's contacts.")
    return _contact_page(request, partner=partner, contact=contact, base_template="console/base.html",
                         back_url=_detail_url(partner, "contacts"),
                         success=lambda data: f"{data['name']} saved.")


@vendor_required
@require_POST
def console_contact_delete(request, contact_id):
    """Remove one of a partner's contacts."""
    contact = get_scoped_or_404(Contact.objects.select_related("partner"), request.user, pk=contact_id)
    return page_action(
        request, lambda: services.delete_contact(actor=request.user, contact=contact),
        success=f"{contact.name} removed from the contacts.", redirect_to=_detail_url(contact.partner, "contacts"))


def _contact_page(request, *, partner, contact, base_template, back_url, success):
    """The one contact form page of both sides: add (contact None) or edit, then back to `back_url`.

    `success` is given the form's data and words the flash message.
    """
    initial = {f: getattr(contact, f) for f in services.CONTACT_FIELDS} if contact else {}
    form = ContactForm(request.POST or None, initial=initial)

    def show(form):
        return render(request, "partners/contact_form.html", {
            "form": form, "contact": contact, "partner": partner, "base_template": base_template,
            "back_url": back_url})

    if request.method != "POST":
        return show(form)
    return page_action(
        request, lambda data: services.save_contact(actor=request.user, partner=partner, data=data, contact=contact),
        form=form, show_form=show, success=lambda _: success(form.cleaned_data), redirect_to=back_url)


# ---------------------------------------------------------------- console: lifecycle and scorecard

@vendor_required
@require_POST
def console_stage(request, pk):
    """Move the partner to another lifecycle stage."""
    partner = _partner(request, pk, "manager")
    return page_action(
        request, lambda data: services.change_stage(actor=request.user, partner=partner, stage=data["stage"],
                                                    note=data["note"]),
        form=StageForm(request.POST, allowed=services.allowed_next_stages(partner)),
        show_form=lambda form: _render_tab(request, partner, "lifecycle", stage_form=form),
        success=lambda moved: f"{moved.name} is now in {moved.get_stage_display()}.",
        redirect_to=_detail_url(partner, "lifecycle"))


@vendor_required
@require_POST
def console_scorecard(request, pk):
    """Save the partner's scorecard: a score and note per criterion, reference checks, the ROI projection."""
    partner = _partner(request, pk, "manager")
    scores = {s.criterion_id: s for s in ScorecardScore.objects.for_user(request.user).filter(partner=partner)}
    form = ScorecardForm(request.POST, criteria=ScorecardCriterion.objects.all(), scores=scores)

    def score(data):
        try:
            return services.score_partner(actor=request.user, partner=partner, scores=form.service_scores(),
                                          reference_checks=data["reference_checks"],
                                          roi_projection=data["roi_projection"], roi_currency=data["roi_currency"])
        except DomainError as exc:
            # The service names criteria by code; the form's fields are score_<code>.
            exc.errors = {(f"score_{k}" if f"score_{k}" in form.fields else k): v for k, v in exc.errors.items()}
            raise

    return page_action(
        request, score, form=form,
        show_form=lambda form: _render_tab(request, partner, "scorecard", scorecard_form=form),
        success="Scorecard saved.", redirect_to=_detail_url(partner, "scorecard"))


# ---------------------------------------------------------------- console: onboarding

@vendor_required
@require_POST
def console_onboarding_start(request, pk):
    """Create the partner's onboarding steps from the template for its type."""
    partner = _partner(request, pk, "manager")
    return page_action(
        request, lambda: services.start_onboarding(actor=request.user, partner=partner),
        success=lambda tasks: f"Onboarding started with {len(tasks)} steps.",
        redirect_to=_detail_url(partner, "onboarding"))


def _task(request, task_id):
    return get_scoped_or_404(OnboardingTask.objects.select_related("partner"), request.user, pk=task_id)


def _set_task_done(request, task, redirect_to):
    """Tick (or untick, `done=0`) an onboarding step; the same on both sides."""
    done = request.POST.get("done", "1") == "1"
    return page_action(
        request, lambda: services.set_task_done(actor=request.user, task=task, done=done),
        success=f"“{task.title}” marked {'done' if done else 'not done'}.", redirect_to=redirect_to)


@vendor_required
@require_POST
def console_task_done(request, task_id):
    """Tick an onboarding step from the partner's Onboarding tab."""
    task = _task(request, task_id)
    return _set_task_done(request, task, _detail_url(task.partner, "onboarding"))


@vendor_required
@require_POST
def console_task_update(request, task_id):
    """Move an onboarding step's due date or hand it to someone else."""
    task = _task(request, task_id)
    return page_action(
        request, lambda data: services.update_task(actor=request.user, task=task, owner=data["owner"],
                                                   due_on=data["due_on"]),
        form=TaskForm(request.POST, user=request.user, partner=task.partner, prefix=f"t{task.pk}"),
        success=f"“{task.title}” updated.", redirect_to=_detail_url(task.partner, "onboarding"))


# ---------------------------------------------------------------- console: users, join requests, domains

@vendor_required
@require_POST
def console_invite(request, pk):
    """Invite a user of this partner from its Users tab."""
    partner = _partner(request, pk, "manager")
    form = InviteForm(request.POST, partner_roles_only=True)
    return page_action(
        request, lambda data: accounts.invite(actor=request.user, partner=partner, **data),
        form=form, show_form=lambda form: _render_tab(request, partner, "users", invite_form=form),
        success=lambda _: f"Invitation sent to {form.cleaned_data['email']}.",
        redirect_to=_detail_url(partner, "users"))


def _decide_join(request, join, decision, *, form, redirect_to):
    """Approve (with the form's partner role) or decline someone who asked to join; the same on both sides."""
    if decision == "approve":
        return page_action(
            request, lambda data: services.approve_join_request(actor=request.user, join=join, role=data["role"]),
            form=form,
            success=lambda created: f"{created.display_name} can now sign in as {created.get_role_display()}.",
            redirect_to=redirect_to)
    return page_action(request, lambda: services.decline_join_request(actor=request.user, join=join),
                       success=f"Request from {join.email} declined.", redirect_to=redirect_to)


@vendor_required
@require_POST
def console_join_decide(request, join_id, decision):
    """Approve (with a partner role, sales by default) or decline a request to join, from the Users tab."""
    join = get_scoped_or_404(JoinRequest.objects.select_related("partner"), request.user, pk=join_id)
    form = ApproveJoinForm({"role": request.POST.get("role") or Role.PARTNER_SALES})
    return _decide_join(request, join, decision, form=form, redirect_to=_detail_url(join.partner, "users"))


@vendor_required
@require_POST
def console_domain_verify(request, domain_id):
    """The vendor confirms (or withdraws) that a partner owns an e-mail domain."""
    domain = get_scoped_or_404(PartnerDomain.objects.select_related("partner"), request.user, pk=domain_id)
    verified = request.POST.get("verified", "1") == "1"
    return page_action(
        request, lambda: services.verify_domain(actor=request.user, domain=domain, verified=verified),
        success=f"{domain.domain} {'verified' if verified else 'no longer verified'}.",
        redirect_to=_detail_url(domain.partner))


# ---------------------------------------------------------------- console: lifecycle board

@vendor_required
def console_board(request):
    """Partners in columns by stage, oldest in stage first, late ones flagged."""
    visible = Partner.objects.for_user(request.user)
    manager = int_param(request.GET.get("manager"))
    if manager and request.user.sees_all_partners:
        visible = visible.filter(manager_id=manager)
    if request.GET.get("region") in Region.values:
        visible = visible.filter(region=request.GET["region"])
    targets = services.stage_targets()
    counts = dict(visible.values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
    extra = querystring({k: request.GET.get(k, "") for k in ("region", "manager")})
    columns = []
    for code, label in Stage.choices:
        tiles = mark_late(visible.filter(stage=code).order_by("stage_entered_at", "id")[:BOARD_LIMIT], targets)
        total = counts.get(code, 0)
        columns.append({"code": code, "label": label, "tiles": tiles, "total": total,
                        "late": sum(1 for t in tiles if t.late), "more": max(0, total - len(tiles)),
                        "list_url": reverse("partners:console_list") + "?" + "&".join(
                            p for p in (f"stage={code}", extra, "sort=stage_entered") if p),
                        "target": targets.get(code)})
    managers = (User.objects.for_user(request.user).filter(role=Role.CHANNEL_MANAGER).order_by("full_name")
                if request.user.sees_all_partners else [])
    return render(request, "partners/console_board.html", {
        "columns": columns, "regions": Region.choices, "managers": managers,
        "filters": {"region": request.GET.get("region", ""), "manager": request.GET.get("manager", "")},
    })


# ================================================================ portal (the partner's own people)

def _own_partner(request, *related):
    """A fresh copy of the user's own partner (forms may change it in memory before the service decides)."""
    return get_scoped_or_404(Partner.objects.select_related(*related), request.user, pk=request.user.partner_id)


@partner_required
@require_POST
def portal_task_done(request, task_id):
    """Tick one of the partner's onboarding steps from the portal home."""
    task = get_scoped_or_404(OnboardingTask.objects.select_related("partner"), request.user, pk=task_id)
    return _set_task_done(request, task, reverse("portal:home"))


@partner_required
def portal_profile(request):
    """The company profile: organisation, branding, sign-up domains and contacts."""
    user = request.user
    return render(request, "partners/portal_profile.html", {
        "partner": _own_partner(request, "manager"),
        "contacts": Contact.objects.for_user(user),
        "domains": PartnerDomain.objects.for_user(user),
        "domain_form": DomainForm(),
        "can_edit": user.is_partner_admin,
    })


@partner_required
def portal_profile_edit(request):
    """Partner admins edit the organisation part of their profile."""
    require_partner_admin(request.user)
    partner = _own_partner(request)
    form = CompanyProfileForm(request.POST or None, instance=partner)

    def show(form):
        return render(request, "partners/portal_profile_edit.html", {"form": form, "partner": partner})

    if request.method != "POST":
        return show(form)
    return page_action(
        request, lambda _data: services.update_partner(actor=request.user, partner=partner, data=form.service_data()),
        form=form, show_form=show, success="Your company profile is saved.",
        redirect_to=reverse("partners:portal_profile"))


@partner_required
def portal_branding_edit(request):
    """Partner admins edit their branding and upload a logo."""
    require_partner_admin(request.user)
    partner = _own_partner(request)
    form = PortalBrandingForm(request.POST or None, request.FILES or None, instance=partner)

    def show(form):
        return render(request, "partners/portal_branding_edit.html", {"form": form, "partner": _own_partner(request)})

    def save(data):
        # The logo and the fields succeed or fail together.
        with transaction.atomic():
            if data.get("brand_logo"):
                services.set_brand_logo(actor=request.user, partner=partner, upload=data["brand_logo"])
            services.update_partner(actor=request.user, partner=partner, data=form.service_data())

    if request.method != "POST":
        return show(form)
    return page_action(request, save, form=form, show_form=show, success="Your branding is saved.",
                       redirect_to=reverse("partners:portal_profile"))


@partner_required
def portal_contact_edit(request, contact_id=None):
    """Partner admins add (no id) or edit one of their contacts."""
    contact = get_scoped_or_404(Contact, request.user, pk=contact_id) if contact_id is not None else None
    require_partner_admin(request.user)
    return _contact_page(request, partner=_own_partner(request), contact=contact, base_template="portal/base.html",
                         back_url=reverse("partners:portal_profile"),
                         success=lambda data: f"Contact {data['name']} {'saved' if contact else 'added'}.")


@partner_required
@require_POST
def portal_contact_delete(request, contact_id):
    """Partner admins remove one of their contacts."""
    contact = get_scoped_or_404(Contact.objects.select_related("partner"), request.user, pk=contact_id)
    require_partner_admin(request.user)
    return page_action(request, lambda: services.delete_contact(actor=request.user, contact=contact),
                       success=f"Contact {contact.name} removed.", redirect_to=reverse("partners:portal_profile"))


@partner_required
@require_POST
def portal_domain_add(request):
    """Partner admins add an e-mail domain; the channel manager verifies it before anyone can join from it."""
    require_partner_admin(request.user)
    return page_action(
        request, lambda data: services.add_domain(actor=request.user, partner=_own_partner(request, "manager"),
                                                  domain=data["domain"]),
        form=DomainForm(request.POST),
        success=lambda item: f"{item.domain} added. Your channel manager verifies it before people can join "
                             f"from it.",
        redirect_to=reverse("partners:portal_profile"))


@partner_required
@require_POST
def portal_domain_remove(request, domain_id):
    """Partner admins remove one of their e-mail domains."""
    item = get_scoped_or_404(PartnerDomain.objects.select_related("partner"), request.user, pk=domain_id)
    require_partner_admin(request.user)
    return page_action(request, lambda: services.remove_domain(actor=request.user, domain=item),
                       success=f"{item.domain} removed.", redirect_to=reverse("partners:portal_profile"))


@partner_required
@require_POST
def portal_join_decide(request, join_id, decision):
    """Partner admins approve (with the role chosen) or decline a colleague's request to join."""
    join = get_scoped_or_404(JoinRequest.objects.select_related("partner"), request.user, pk=join_id)
    require_partner_admin(request.user)
    return _decide_join(request, join, decision, form=ApproveJoinForm(request.POST),
                        redirect_to=reverse("accounts:portal_users"))
