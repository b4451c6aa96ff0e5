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
from openprm.lib.pages import page_action

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
