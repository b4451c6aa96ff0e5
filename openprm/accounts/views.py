"""Sign-in, sign-out, password reset, invitation acceptance and personal settings (both sides)."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from openprm.lib.errors import DomainError
from openprm.lib.forms import apply_domain_error

from . import ratelimit, services
from .backends import BACKEND_PATH
from .exceptions import InvitationInvalid, RateLimited
from .forms import AcceptInvitationForm, LoginForm, ProfileForm, TokenForm


def login_view(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend=BACKEND_PATH)
        services.record_login_success(form.user, ratelimit.client_ip(request) or None)
        target = request.POST.get("next") or request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            return redirect(target)
        return redirect("home")
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
