"""Public partner pages: the application form, the partner locator and self-registration.

No sign-in needed. The locator lists only what `directory` allows; every write goes through `services`.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse

from openprm.lib.errors import DomainError
from openprm.lib.forms import apply_domain_error

from . import directory, services
from .exceptions import Conflict
from .forms import ApplicationForm
from .public_forms import JoinForm

LOCATOR_PAGE_SIZE = 24
# Service field names → the application form's field names.
APPLICATION_FIELDS = {"name": "company_name", "domain": "contact_email", "email": "contact_email",
                      "phone": "contact_phone", "job_title": "contact_title"}


def apply(request):
    """The 'become a partner' form: a valid application lands in Qualification for the channel team."""
    form = ApplicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data.get("website_confirm"):
            # A bot filled the invisible field: thank it like anyone else, keep nothing.
            return redirect("partners:apply_thanks")
        args = form.service_args()
        if services.is_free_email_domain(args["data"]["domain"]):
            args["data"]["domain"] = ""  # a webmail address says nothing about the company's domain
        try:
            partner = services.submit_application(**args)
        except DomainError as exc:
            _apply_application_error(form, exc)
        else:
            request.session["applied_as"] = partner.name
            return redirect("partners:apply_thanks")
    return render(request, "partners/apply.html", {"form": form})


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
    """Self-registration for people of an existing partner, from one of its verified e-mail domains."""
    if request.user.is_authenticated:
        messages.info(request, "You are already signed in.")
        return redirect("home")
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data.get("website_confirm"):
            return redirect("partners:join_sent")
        try:
            join_request = services.request_to_join(email=form.cleaned_data["email"],
                                                    full_name=form.cleaned_data["full_name"],
                                                    password=form.cleaned_data["password"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            request.session["joined_partner"] = join_request.partner.name
            return redirect("partners:join_sent")
    return render(request, "partners/join.html", {"form": form, "apply_url": reverse("partners:apply")})


def join_sent(request):
    return render(request, "partners/join_sent.html", {"partner_name": request.session.pop("joined_partner", "")})
