"""Public partner pages: the application form, the partner locator and self-registration.

No sign-in needed. The locator lists only what `directory` allows; every write goes through `services`.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from openprm.accounts import ratelimit
from openprm.accounts.exceptions import RateLimited
from openprm.lib.errors import DomainError
from openprm.lib.forms import apply_domain_error

from . import directory, services
from .exceptions import Conflict, JoinConfirmationInvalid
from .forms import ApplicationForm
from .public_forms import JoinForm

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
    status = 200
    if request.method == "POST" and form.is_valid():
        args = form.service_args()
        if services.is_free_email_domain(args["data"]["domain"]):
            args["data"]["domain"] = ""  # a webmail address says nothing about the company's domain
        try:
            ratelimit.enforce_public_form(scope="apply", request=request, address=form.cleaned_data["contact_email"])
            partner = services.submit_application(**args)
        except RateLimited as exc:
            apply_domain_error(form, exc)
            status = 429
        except DomainError as exc:
            _apply_application_error(form, exc)
        else:
            request.session["applied_as"] = partner.name
            return redirect("partners:apply_thanks")
    return render(request, "partners/apply.html", {"form": form}, status=status)


def _is_bot(request) -> bool:
    """A POST that filled the invisible field: thank it like anyone else, but keep and send nothing.

    Checked before the form is even validated, so a bot learns nothing from error messages either.
    """
    return request.method == "POST" and bool(request.POST.get(HONEYPOT_FIELD, "").strip())


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
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            ratelimit.enforce_public_form(scope="join", request=request, address=form.cleaned_data["email"])
            services.request_to_join(email=form.cleaned_data["email"], full_name=form.cleaned_data["full_name"],
                                     password=form.cleaned_data["password"])
        except RateLimited as exc:
            apply_domain_error(form, exc)
            status = 429
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            return redirect("partners:join_sent")
    return render(request, "partners/join.html", {"form": form, "apply_url": reverse("partners:apply")},
                  status=status)


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
