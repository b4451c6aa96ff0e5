"""People pages: sign-in, sign-out, password reset, invitation acceptance and personal settings (both sides);
the console's People page (`accounts:console_*`) and the portal's Users page (`accounts:portal_*`).

The people pages are thin: lists through `for_user`, objects through `get_scoped_or_404`, changes through
`services` by way of `openprm.lib.pages.page_action`. Accounts sits below partners, so these pages reach
partners only through the user's own `partner` foreign key and the templates of the partners app.
"""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_POST

from openprm.lib.errors import DomainError
from openprm.lib.forms import apply_domain_error
from openprm.lib.pages import page_action, safe_next
from openprm.lib.params import querystring
from openprm.lib.pickers import MAX_MATCHES, option_text, options_response, picked_id, picked_text, search_text

from . import ratelimit, services
from .access import partner_required, require_partner_admin, vendor_required
from .backends import BACKEND_PATH
from .exceptions import InvitationInvalid, RateLimited
from .forms import (
    PARTNER_ROLE_CHOICES,
    ROLE_FILTER_CHOICES,
    AcceptInvitationForm,
    InviteForm,
    LoginForm,
    PasswordResetForm,
    ProfileForm,
    SavedFilterForm,
    TokenForm,
    UserAccessForm,
)
from .models import Invitation, Role, SavedFilter, User
from .scoping import get_scoped_or_404


def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend=BACKEND_PATH)
        services.record_login_success(form.user, ratelimit.client_ip(request) or None)
        return redirect(safe_next(request, reverse("home")))
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


@require_POST
def logout_view(request):
    logout(request)
    messages.success(request, "You are signed out.")
    return redirect("accounts:login")


def accept_invitation(request, secret):
    try:
        invitation = services.find_invitation(secret)
    except InvitationInvalid as exc:
        return render(request, "accounts/invitation_invalid.html", {"message": exc.message}, status=404)
    form = AcceptInvitationForm(request.POST or None, initial={"full_name": invitation.full_name})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(secret=secret, full_name=form.cleaned_data["full_name"],
                                              password=form.cleaned_data["password"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            if request.user.is_authenticated:
                logout(request)
            login(request, user, backend=BACKEND_PATH)
            messages.success(request, f"Welcome to OpenPRM, {user.display_name}.")
            return redirect("home")
    return render(request, "accounts/accept_invitation.html", {"form": form, "invitation": invitation})


@login_required
def account_view(request):
    """The signed-in person's own settings and API tokens."""
    user = request.user
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name, "time_zone": user.time_zone,
                                                     "title": user.title, "phone": user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(actor=user, user=user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Your settings are saved.")
            return redirect("accounts:account")
    return render(request, "accounts/account.html", {
        "form": form, "token_form": TokenForm(), "tokens": user.api_tokens.all(),
        "new_token": request.session.pop("new_token", None),
    })


@login_required
@require_POST
def create_token(request):
    form = TokenForm(request.POST)
    if form.is_valid():
        token, secret = services.create_token(actor=request.user, user=request.user, name=form.cleaned_data["name"])
        # Shown once on the next page, then gone from the session.
        request.session["new_token"] = {"name": token.name, "secret": secret}
        messages.success(request, "Token created. Copy it now: it will not be shown again.")
    else:
        messages.error(request, "Name the token.")
    return redirect("accounts:account")


@login_required
@require_POST
def revoke_token(request, token_id):
    token = get_object_or_404(request.user.api_tokens.all(), pk=token_id)
    try:
        services.revoke_token(actor=request.user, token=token)
        messages.success(request, f"Token “{token.name}” revoked.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:account")


@login_required
def notifications_view(request):
    """The signed-in person's notifications, newest first (only ever their own)."""
    page = Paginator(request.user.notifications.all(), 25).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {
        "page": page, "querystring": "", "unread": request.user.notifications.unread().count(),
    })


@login_required
@require_POST
def notifications_read(request):
    services.mark_notifications_read(user=request.user)
    messages.success(request, "All notifications marked as read.")
    return redirect("accounts:notifications")


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        """Count the request per address and per client before any e-mail goes out, so the page can't spam."""
        try:
            ratelimit.enforce_public_form(scope="password_reset", request=self.request,
                                          address=form.cleaned_data["email"])
        except RateLimited as exc:
            apply_domain_error(form, exc)
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Sets the new password through the accounts service so it is audited and clears the lock-out."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        services.set_password(actor=self.user, user=self.user, password=form.cleaned_data["new_password1"],
                              verb="user.password_reset")
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.get_success_url())


# ================================================================ console: People

PER_PAGE = 25
# The partner model, reached through the user's foreign key: accounts sits below partners and imports none of it.
_Partner = User._meta.get_field("partner").related_model
# The People list's "works for" filter (program admins see vendor staff too): who, rather than which partner.
PEOPLE_SIDES = [("", "Everyone"), ("vendor", "Vendor staff"), ("partners", "Partners' users")]


@vendor_required
def console_people(request):
    """Vendor staff and partner users the viewer may see, filtered, with pending invitations and the invite form."""
    user = request.user
    partners = _Partner.objects.for_user(user)
    form = InviteForm(request.POST or None, partner_roles_only=not user.is_program_admin, initial={
        "role": Role.PARTNER_ADMIN}, partners=partners.exclude(stage="terminated").order_by("name"))

    def show(form):
        return _people_page(request, form)

    if request.method != "POST":
        return show(form)
    return page_action(
        request, lambda data: services.invite(actor=user, email=data["email"], full_name=data["full_name"],
                                              role=data["role"], partner=data["partner"]),
        form=form, show_form=show, success=lambda _: f"Invitation sent to {form.cleaned_data['email']}.",
        redirect_to=reverse("accounts:console_people"))


def _people_page(request, form):
    user = request.user
    people = User.objects.for_user(user).select_related("partner")
    filters = {name: request.GET.get(name, "") for name in ("q", "role", "side", "partner", "active")}
    if filters["partner"] == "vendor":
        # The partner filter was a <select> with a "Vendor staff" option; its links and saved filters still work.
        filters["side"], filters["partner"] = "vendor", ""
    if filters["q"]:
        people = people.filter(Q(email__icontains=filters["q"]) | Q(full_name__icontains=filters["q"]))
    if filters["role"] in Role.values:
        people = people.filter(role=filters["role"])
    if filters["side"] == "vendor":
        people = people.filter(partner__isnull=True)
    elif filters["side"] == "partners":
        people = people.filter(partner__isnull=False)
    # A searchable picker (lib/pickers.py) gives "Name (#id)" or a bare id; the list itself is already scoped, so
    # another partner's id finds nobody.
    partner_id = picked_id(filters["partner"])
    if partner_id is not None:
        people = people.filter(partner_id=partner_id)
    if filters["active"] in ("1", "0"):
        people = people.filter(is_active=filters["active"] == "1")
    people = people.order_by("-is_active", "full_name", "email")
    page = Paginator(people, PER_PAGE).get_page(request.GET.get("page"))
    for person in page.object_list:
        person.can_manage = person.pk != user.pk and services.can_manage_people_of(user, person.partner)
    invitations = Invitation.objects.for_user(user).pending().select_related("partner", "invited_by")
    if user.role == Role.CHANNEL_MANAGER:
        invitations = invitations.filter(partner__isnull=False)
    return render(request, "accounts/console_people.html", {
        "page": page, "people": page.object_list, "filters": filters, "querystring": querystring(request.GET),
        "filtered": any(filters.values()), "roles": ROLE_FILTER_CHOICES,
        "partner_text": picked_text(_Partner.objects.for_user(user), filters["partner"]),
        "sides": PEOPLE_SIDES,
        "invite_form": form, "invitations": invitations, "open_invite": request.method == "POST",
        "can_invite_vendor": user.is_program_admin,
    })


@vendor_required
@require_POST
def console_invitation_revoke(request, invitation_id):
    """Revoke a pending invitation; back to the page it was revoked on (`next`) or People."""
    invitation = get_scoped_or_404(Invitation.objects.select_related("partner"), request.user, pk=invitation_id)
    return _revoke(request, invitation, reverse("accounts:console_people"))


@vendor_required
@require_POST
def console_user_access(request, user_id):
    """Deactivate or reactivate a user; back to the page it was done on (`next`) or People."""
    person = get_scoped_or_404(User.objects.select_related("partner"), request.user, pk=user_id)
    active = request.POST.get("is_active") == "1"
    return page_action(
        request, lambda data: services.update_user(actor=request.user, user=person, **data),
        form=UserAccessForm(request.POST, access_only=True),
        success=f"{person.display_name} {'reactivated' if active else 'deactivated'}"
                f"{'' if active else '; they can no longer sign in'}.",
        redirect_to=reverse("accounts:console_people"))


def _revoke(request, invitation, redirect_to):
    """Revoke an invitation; the same on both sides."""
    return page_action(
        request, lambda: services.revoke_invitation(actor=request.user, invitation=invitation),
        success=f"Invitation for {invitation.email} revoked; its link no longer works.", redirect_to=redirect_to)


# ================================================================ portal: Users

@partner_required
def portal_users(request):
    """The partner's people, pending invitations and requests to join; partner admins invite from here."""
    user = request.user
    form = InviteForm(request.POST or None, partner_roles_only=True, initial={"role": Role.PARTNER_SALES})

    def show(form):
        people = list(User.objects.for_user(user).order_by("-is_active", "full_name", "email"))
        for person in people:
            person.can_manage = user.is_partner_admin and person.pk != user.pk
        return render(request, "accounts/portal_users.html", {
            "people": people,
            "invite_form": form,
            "invitations": Invitation.objects.for_user(user).pending().select_related("invited_by"),
            # The user's own partner's requests, through its reverse relation (join requests are partners').
            "join_requests": user.partner.join_requests.filter(status="pending"),
            "role_choices": PARTNER_ROLE_CHOICES,
            "can_manage": user.is_partner_admin,
            "open_invite": request.method == "POST",
        })

    if request.method != "POST":
        return show(form)
    require_partner_admin(request.user)
    return page_action(
        request, lambda data: services.invite(actor=user, partner=user.partner, **data),
        form=form, show_form=show, success=lambda _: f"Invitation sent to {form.cleaned_data['email']}.",
        redirect_to=reverse("accounts:portal_users"))


@partner_required
@require_POST
def portal_invitation_revoke(request, invitation_id):
    """Partner admins revoke one of their pending invitations."""
    invitation = get_scoped_or_404(Invitation.objects.select_related("partner"), request.user, pk=invitation_id)
    require_partner_admin(request.user)
    return _revoke(request, invitation, reverse("accounts:portal_users"))


@partner_required
@require_POST
def portal_user_update(request, user_id):
    """Partner admins change a colleague's role or access (never their own)."""
    person = get_scoped_or_404(User.objects.select_related("partner"), request.user, pk=user_id)
    require_partner_admin(request.user)
    if person.pk == request.user.pk:
        messages.error(request, "You cannot change your own role or access; ask another partner admin.")
        return redirect("accounts:portal_users")
    form = UserAccessForm(request.POST)
    return page_action(
        request, lambda _data: services.update_user(actor=request.user, user=person, **form.changes()),
        form=form,
        success=lambda _: f"{person.display_name} is now {person.get_role_display()}"
                          f"{'' if person.is_active else ' (deactivated)'}.",
        redirect_to=reverse("accounts:portal_users"))


@vendor_required
def console_pick_users(request):
    """htmx picker search: up to 20 active people the user may see whose name or e-mail contains what was
    typed; `?role=` narrows to one role (the channel-manager picker)."""
    people = User.objects.for_user(request.user).filter(is_active=True)
    if request.GET.get("role") in Role.values:
        people = people.filter(role=request.GET["role"])
    if text := search_text(request):
        people = people.filter(Q(full_name__icontains=text) | Q(email__icontains=text))
    return options_response(option_text(str(u), u.pk) for u in people.order_by("full_name", "email")[:MAX_MATCHES])


@vendor_required
@require_POST
def console_filter_save(request):
    """Save the list's current filters under a name (a link on that list from now on); back to the list."""
    form = SavedFilterForm(request.POST)
    return page_action(request, lambda data: services.save_filter(actor=request.user, **data), form=form,
                       success=lambda saved: f"Filter “{saved.name}” saved.",
                       redirect_to=lambda saved: saved.url if saved else reverse("console:home"))


@vendor_required
@require_POST
def console_filter_delete(request, filter_id):
    """Remove one of the user's saved filters (someone else's is a 404)."""
    saved = get_object_or_404(SavedFilter, pk=filter_id, user=request.user)
    return page_action(request, lambda: services.delete_filter(actor=request.user, saved=saved),
                       success=f"Filter “{saved.name}” removed.", redirect_to=saved.url)
