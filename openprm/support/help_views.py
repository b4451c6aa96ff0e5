"""The public, partner-branded help page for end customers: /help/<slug>/ (open a ticket), the private follow
link, and the brand stylesheet; and the partner admin's settings page in the portal.

Public: no sign-in. A switched-off or unknown page is a 404, so the addresses of pages that are off tell nothing.
"""

from django.core import signing
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from openprm.accounts.access import partner_required
from openprm.accounts.exceptions import RateLimited
from openprm.lib import clock
from openprm.lib.errors import DomainError
from openprm.lib.forms import apply_domain_error
from openprm.lib.pages import page_action, refusal_on_form

from . import services
from .forms import CustomerReplyForm, HelpPageForm, HelpRequestForm
from .models import HelpPage, SupportSettings

HONEYPOT_FIELD = "website_confirm"
SIGNER_SALT = "support.help_page.started"


def _page(slug) -> HelpPage:
    page = HelpPage.objects.select_related("partner").filter(slug=slug, enabled=True).first()
    if page is None:
        raise Http404("No help page here.")
    return page


def _context(page, **extra):
    return {"page": page, "partner": page.partner, "brand": page.partner.brand_name or page.partner.name,
            "settings": SupportSettings.current(), **extra}


def _started_token() -> str:
    return signing.dumps(clock.moment().isoformat(), salt=SIGNER_SALT)


def _started_at(value):
    from datetime import datetime

    try:
        return datetime.fromisoformat(signing.loads(value or "", salt=SIGNER_SALT, max_age=24 * 3600))
    except (signing.BadSignature, ValueError, TypeError):
        return None


def help_page(request, slug):
    """The customer's form; a valid request opens an L1 ticket for the partner and sends the confirmation."""
    page = _page(slug)
    if request.method == "POST" and request.POST.get(HONEYPOT_FIELD, "").strip():
        return redirect("support:help_thanks", slug=slug)  # a bot: thank it, keep nothing
    form = HelpRequestForm(request.POST or None, initial={"started": _started_token()})

    def show_form(f, status=200):
        if request.method == "POST":
            f.data = f.data.copy()
            f.data["started"] = request.POST.get("started", "")
        return render(request, "support/help_page.html", _context(page, form=f), status=status)

    if request.method != "POST":
        return show_form(form)

    def submit(data):
        ticket, token = services.submit_help_request(
            page=page, data=data, request=request, started_at=_started_at(request.POST.get("started")),
            follow_url=lambda t: request.build_absolute_uri(reverse("support:help_follow", args=[slug, t])))
        request.session["help_ticket"] = ticket.pk
        return ticket

    def refusal(exc: DomainError):
        apply_domain_error(form, exc)
        return show_form(form, status=429 if isinstance(exc, RateLimited) else 200)

    return page_action(request, submit, form=form, show_form=show_form, on_refusal=refusal,
                       redirect_to=reverse("support:help_thanks", args=[slug]))


@require_GET
def help_thanks(request, slug):
    page = _page(slug)
    return render(request, "support/help_thanks.html", _context(page, number=request.session.pop("help_ticket", None)))


def help_follow(request, slug, token):
    """The customer's private view of their ticket: public comments only, and a reply box."""
    page = _page(slug)
    ticket = services.ticket_by_token(page, token)
    if ticket is None:
        raise Http404("No request here.")
    form = CustomerReplyForm(request.POST or None)

    def show_form(f):
        return render(request, "support/help_follow.html", _context(
            page, ticket=ticket, form=f, comments=services.visible_comments(None, ticket)))

    if request.method != "POST":
        return show_form(form)
    return page_action(request, lambda data: services.customer_reply(ticket=ticket, body=data["body"]),
                       form=form, show_form=show_form, on_refusal=refusal_on_form(form, show_form),
                       success="Your reply was sent.", redirect_to=request.path)


@require_GET
def help_brand_css(request, slug):
    """The partner's colours as CSS variables (validated #RRGGBB), so the page needs no inline style."""
    partner = _page(slug).partner
    lines = [f"--brand: {partner.brand_primary_color};" if partner.brand_primary_color else "",
             f"--brand-2: {partner.brand_secondary_color};" if partner.brand_secondary_color else ""]
    response = HttpResponse(".help-page { " + " ".join(x for x in lines if x) + " }\n", content_type="text/css")
    response["Cache-Control"] = "public, max-age=300"
    return response


@partner_required
def portal_help_page(request):
    """The partner admin switches the help page on or off and chooses its address."""
    partner = request.user.partner
    page = services.help_page_of(partner)
    form = HelpPageForm(request.POST or None, initial={"enabled": page.enabled, "slug": page.slug,
                                                       "intro": page.intro})

    def show_form(f):
        return render(request, "support/portal_help_page.html", {
            "form": f, "page": page, "can_edit": request.user.is_partner_admin,
            "url": request.build_absolute_uri(reverse("support:help_page", args=[page.slug]))})

    if request.method != "POST":
        return show_form(form)
    return page_action(request, lambda data: services.configure_help_page(
        actor=request.user, partner=partner, enabled=data["enabled"], slug=data["slug"], intro=data["intro"]),
        form=form, show_form=show_form, on_refusal=refusal_on_form(form, show_form),
        success=lambda p: "Help page switched on." if p.enabled else "Help page saved (switched off).",
        redirect_to=reverse("support:portal_help_page"))
