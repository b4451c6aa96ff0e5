"""Partner portal pages: everything is the signed-in user's own partner, loaded through the scope.

Views are thin: they read through `for_user` / `get_scoped_or_404` and change state through the
services, which check permissions again and record the audit trail.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from openprm.accounts import services as accounts
from openprm.accounts.access import partner_required
from openprm.accounts.forms import InviteForm
from openprm.accounts.models import Invitation, Role, User
from openprm.lib.errors import DomainError
from openprm.lib.forms import apply_domain_error
from openprm.partners import services as partners
from openprm.partners.forms import ContactForm
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
from openprm.partners.scoping import get_scoped_or_404

from .forms import ApproveJoinForm, CompanyProfileForm, DomainForm, PortalBrandingForm, UserAccessForm
from .queries import PROTECTION_WARNING_DAYS, business_summary


def _partner(request, *related):
    """A fresh copy of the user's own partner (forms may change it in memory before the service decides)."""
    return get_scoped_or_404(Partner.objects.select_related(*related), request.user, pk=request.user.partner_id)


def _require_partner_admin(request):
    if not request.user.is_partner_admin:
        raise PermissionDenied("Only your partner admins can do this.")


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
        "business": business_summary(user, partner, timezone.localdate()),
        "protection_warning_days": PROTECTION_WARNING_DAYS,
    }
    if user.is_partner_admin:
        context["pending_invitations"] = Invitation.objects.for_user(user).pending().count()
        context["pending_joins"] = JoinRequest.objects.for_user(user).filter(status=JoinRequestStatus.PENDING).count()
        context["domains_unverified"] = PartnerDomain.objects.for_user(user).filter(verified=False).count()
    return render(request, "portal/home.html", context)


@partner_required
@require_POST
def task_done(request, task_id):
    task = get_scoped_or_404(OnboardingTask.objects.select_related("partner"), request.user, pk=task_id)
    done = request.POST.get("done", "1") == "1"
    try:
        partners.set_task_done(actor=request.user, task=task, done=done)
    except DomainError as exc:
        if exc.status == 403:
            raise PermissionDenied(exc.message) from None
        messages.error(request, exc.message)
    else:
        messages.success(request, f"“{task.title}” marked {'done' if done else 'not done'}.")
    return redirect("portal:home")


# ---------------------------------------------------------------- company profile

@partner_required
def profile(request):
    user = request.user
    partner = _partner(request, "manager")
    return render(request, "portal/profile.html", {
        "partner": partner,
        "contacts": Contact.objects.for_user(user),
        "domains": PartnerDomain.objects.for_user(user),
        "domain_form": DomainForm(),
        "can_edit": user.is_partner_admin,
    })


@partner_required
def profile_edit(request):
    _require_partner_admin(request)
    partner = _partner(request)
    form = CompanyProfileForm(request.POST or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        try:
            partners.update_partner(actor=request.user, partner=partner, data=form.service_data())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Your company profile is saved.")
            return redirect("portal:profile")
    return render(request, "portal/profile_edit.html", {"form": form, "partner": partner})


@partner_required
def branding_edit(request):
    _require_partner_admin(request)
    partner = _partner(request)
    form = PortalBrandingForm(request.POST or None, request.FILES or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        logo = form.cleaned_data.get("brand_logo")
        try:
            with transaction.atomic():
                if logo:
                    partners.set_brand_logo(actor=request.user, partner=partner, upload=logo)
                partners.update_partner(actor=request.user, partner=partner, data=form.service_data())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Your branding is saved.")
            return redirect("portal:profile")
    return render(request, "portal/branding_edit.html", {"form": form, "partner": _partner(request)})


@partner_required
def contact_edit(request, contact_id=None):
    contact = get_scoped_or_404(Contact, request.user, pk=contact_id) if contact_id is not None else None
    _require_partner_admin(request)
    initial = {f: getattr(contact, f) for f in partners.CONTACT_FIELDS} if contact else {}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = partners.save_contact(actor=request.user, partner=_partner(request), data=form.cleaned_data,
                                          contact=contact)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"Contact {saved.name} {'saved' if contact else 'added'}.")
            return redirect("portal:profile")
    return render(request, "portal/contact_form.html", {"form": form, "contact": contact})


@partner_required
@require_POST
def contact_delete(request, contact_id):
    contact = get_scoped_or_404(Contact.objects.select_related("partner"), request.user, pk=contact_id)
    _require_partner_admin(request)
    try:
        partners.delete_contact(actor=request.user, contact=contact)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Contact {contact.name} removed.")
    return redirect("portal:profile")


@partner_required
@require_POST
def domain_add(request):
    _require_partner_admin(request)
    form = DomainForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter a domain such as example.com.")
        return redirect("portal:profile")
    try:
        item = partners.add_domain(actor=request.user, partner=_partner(request, "manager"),
                                   domain=form.cleaned_data["domain"])
    except DomainError as exc:
        messages.error(request, exc.errors.get("domain", [exc.message])[0])
    else:
        messages.success(request, f"{item.domain} added. Your channel manager verifies it before people can join "
                                  f"from it.")
    return redirect("portal:profile")


@partner_required
@require_POST
def domain_remove(request, domain_id):
    item = get_scoped_or_404(PartnerDomain.objects.select_related("partner"), request.user, pk=domain_id)
    _require_partner_admin(request)
    try:
        partners.remove_domain(actor=request.user, domain=item)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{item.domain} removed.")
    return redirect("portal:profile")


# ---------------------------------------------------------------- users and invitations

@partner_required
def users(request):
    user = request.user
    form = InviteForm(request.POST or None, partner_roles_only=True, initial={"role": Role.PARTNER_SALES})
    if request.method == "POST":
        _require_partner_admin(request)
        if form.is_valid():
            try:
                accounts.invite(actor=user, partner=user.partner, **form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
                return redirect("portal:users")
    people = User.objects.for_user(user).order_by("-is_active", "full_name", "email")
    context = {
        "people": people,
        "invite_form": form,
        "invitations": Invitation.objects.for_user(user).pending().select_related("invited_by"),
        "join_requests": JoinRequest.objects.for_user(user).filter(status=JoinRequestStatus.PENDING),
        "role_choices": UserAccessForm.base_fields["role"].choices,
        "approve_form": ApproveJoinForm(),
        "can_manage": user.is_partner_admin,
        "open_invite": request.method == "POST",
    }
    return render(request, "portal/users.html", context)


@partner_required
@require_POST
def invitation_revoke(request, invitation_id):
    invitation = get_scoped_or_404(Invitation.objects.select_related("partner"), request.user, pk=invitation_id)
    _require_partner_admin(request)
    try:
        accounts.revoke_invitation(actor=request.user, invitation=invitation)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Invitation for {invitation.email} revoked; its link no longer works.")
    return redirect("portal:users")


@partner_required
@require_POST
def user_update(request, user_id):
    person = get_scoped_or_404(User.objects.select_related("partner"), request.user, pk=user_id)
    _require_partner_admin(request)
    form = UserAccessForm(request.POST)
    if person.pk == request.user.pk:
        messages.error(request, "You cannot change your own role or access; ask another partner admin.")
    elif not form.is_valid() or not form.changes():
        messages.error(request, "Choose a partner role or an access change.")
    else:
        try:
            accounts.update_user(actor=request.user, user=person, **form.changes())
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{person.display_name} is now {person.get_role_display()}"
                                      f"{'' if person.is_active else ' (deactivated)'}.")
    return redirect("portal:users")


@partner_required
@require_POST
def join_decide(request, join_id, decision):
    join = get_scoped_or_404(JoinRequest.objects.select_related("partner"), request.user, pk=join_id)
    _require_partner_admin(request)
    form = ApproveJoinForm(request.POST)
    if decision == "approve" and not form.is_valid():
        messages.error(request, "Choose the role the new user gets.")
        return redirect("portal:users")
    try:
        if decision == "approve":
            created = partners.approve_join_request(actor=request.user, join=join, role=form.cleaned_data["role"])
            messages.success(request, f"{created.display_name} can now sign in as {created.get_role_display()}.")
        else:
            partners.decline_join_request(actor=request.user, join=join)
            messages.success(request, f"Request from {join.email} declined.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("portal:users")
