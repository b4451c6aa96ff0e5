"""Agreement pages: the vendor's under /console/agreements/, the partner's under /portal/agreements/.

Thin: they read through `for_user` / `get_scoped_or_404` and change state through the services.
"""

import difflib
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from openprm.accounts.access import partner_required, program_admin_required, vendor_required
from openprm.accounts.models import Role
from openprm.accounts.scoping import get_scoped_or_404
from openprm.audit.models import AuditEvent
from openprm.lib import clock, tables
from openprm.lib.pages import page_action, refusal_on_form
from openprm.lib.params import int_param
from openprm.lib.pickers import MAX_MATCHES, options_response, picked_id, picked_text, search_terms
from openprm.lib.regions import COUNTRY_CHOICES, Region
from openprm.partners.models import Partner

from . import pdf, services
from .forms import AgreementForm, SignForm, TemplateVersionForm, TerminateForm
from .models import Agreement, AgreementKind, AgreementStatus, AgreementTemplate

EXPIRING_CHOICES = [30, 60, 90]
PER_PAGE = 25


def _agreements(user):
    return Agreement.objects.for_user(user).select_related("partner", "template", "signed_by", "commission_plan")


def _agreement(request, agreement_id):
    return get_scoped_or_404(_agreements(request.user), request.user, pk=agreement_id)


def _timeline(agreement):
    return AuditEvent.objects.for_object(agreement).order_by("created_at", "id")


def _pdf_response(agreement):
    response = HttpResponse(pdf.render_pdf(agreement), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{agreement.pk}.pdf"'
    return response


# ---------------------------------------------------------------- console


@vendor_required
def console_list(request):
    """All agreements the user may see, filtered; `?format=csv` downloads the filtered list."""
    agreements = _agreements(request.user)
    filters = {"status": request.GET.get("status", ""), "kind": request.GET.get("kind", ""),
               "partner": request.GET.get("partner", ""), "expiring": request.GET.get("expiring", "")}
    if filters["status"] in AgreementStatus.values:
        agreements = agreements.filter(status=filters["status"])
    if filters["kind"] in AgreementKind.values:
        agreements = agreements.filter(kind=filters["kind"])
    partner_id = picked_id(filters["partner"])
    if partner_id is not None:
        agreements = agreements.filter(partner_id=partner_id)
    expiring = int_param(filters["expiring"])
    if expiring in EXPIRING_CHOICES:
        agreements = agreements.expiring_within(expiring, clock.today()).order_by("ends_on", "pk")
    if request.GET.get("format") == "csv":
        return _csv(agreements)
    page = Paginator(agreements, PER_PAGE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "agreements/console_list.html", {
        "page": page, "agreements": page.object_list, "filters": filters, "querystring": query,
        "statuses": AgreementStatus.choices, "kinds": AgreementKind.choices, "expiring_choices": EXPIRING_CHOICES,
        "partner_text": picked_text(Partner.objects.for_user(request.user), filters["partner"]),
        "can_create": request.user.role in (Role.ADMIN, Role.CHANNEL_MANAGER),
        "can_manage_templates": services.can_manage_templates(request.user),
    })


def _csv(agreements):
    return tables.csv_download(
        "agreements.csv",
        ["id", "partner", "kind", "status", "template_version", "starts_on", "ends_on", "auto_renew", "notice_days",
         "notice_date", "territories", "segments", "products", "discount_percent", "margin_percent",
         "payment_terms_days", "commission_plan", "whitelabel", "signer_name", "signed_at"],
        ([a.pk, a.partner.name, a.kind, a.status, a.template_version, a.starts_on, a.ends_on, a.auto_renew,
          a.notice_days, a.notice_date, " ".join(a.territories), "; ".join(a.segments), "; ".join(a.products),
          a.discount_percent, "" if a.margin_percent is None else a.margin_percent, a.payment_terms_days,
          a.commission_plan.name if a.commission_plan_id else "", a.whitelabel, a.signer_name, a.signed_at or ""]
         for a in agreements))


@vendor_required
def console_edit(request, agreement_id=None):
    """The editor: a new draft (optionally for ?partner=ID) or changes to an existing draft."""
    agreement = _agreement(request, agreement_id) if agreement_id is not None else None
    if agreement is not None and not agreement.is_editable:
        messages.error(request, "Only drafts can be edited.")
        return redirect("agreements:console_detail", agreement.pk)
    initial = {}
    if agreement is None and request.GET.get("partner"):
        initial["partner"] = int_param(request.GET["partner"])
    form = AgreementForm(request.POST or None, user=request.user, agreement=agreement,
                         **({"initial": initial} if initial else {}))

    def show_form(form):
        return render(request, "agreements/console_edit.html", {"form": form, "agreement": agreement})

    def save(data):
        if agreement is None:
            partner = get_scoped_or_404(Partner, request.user, pk=data["partner"].pk)
            return services.create_agreement(actor=request.user, partner=partner, data=form.service_data())
        return services.update_agreement(actor=request.user, agreement=agreement, data=form.service_data())

    if request.method != "POST":
        return show_form(form)
    return page_action(request, save, form=form, show_form=show_form, on_refusal=refusal_on_form(form, show_form),
                       success="Draft agreement created." if agreement is None else "Draft saved.",
                       redirect_to=lambda saved: reverse("agreements:console_detail", args=[saved.pk]))


@vendor_required
def console_detail(request, agreement_id):
    agreement = _agreement(request, agreement_id)
    return render(request, "agreements/console_detail.html", {
        "agreement": agreement, "sections": pdf.sections(agreement), "events": _timeline(agreement),
        "can_manage": services.can_manage(request.user, agreement.partner), "terminate_form": TerminateForm(),
        "renewals": agreement.renewals.all(), "can_view_template": services.can_manage_templates(request.user),
        # Sending is confirmed on the page itself (a panel with the consequences), never by a JS dialog.
        "confirm_send": request.GET.get("confirm") == "send",
    })


@vendor_required
@require_POST
def console_send(request, agreement_id):
    agreement = _agreement(request, agreement_id)
    return page_action(request, lambda: services.send(actor=request.user, agreement=agreement),
                       success="Sent to the partner's admins for signature.",
                       redirect_to=reverse("agreements:console_detail", args=[agreement.pk]))


@vendor_required
@require_POST
def console_terminate(request, agreement_id):
    agreement = _agreement(request, agreement_id)
    # A missing reason is flashed (TerminateForm words it) and the agreement shown again.
    return page_action(request, lambda data: services.terminate(actor=request.user, agreement=agreement,
                                                                reason=data["reason"]),
                       form=TerminateForm(request.POST), success="The agreement is terminated.",
                       redirect_to=reverse("agreements:console_detail", args=[agreement.pk]))


@vendor_required
def console_print(request, agreement_id):
    agreement = _agreement(request, agreement_id)
    return render(request, "agreements/print.html", {"agreement": agreement, "title": pdf.title(agreement),
                                                     "sections": pdf.sections(agreement)})


@vendor_required
def console_pdf(request, agreement_id):
    return _pdf_response(_agreement(request, agreement_id))


# ---------------------------------------------------------------- templates (program admins)

def _templates():
    return AgreementTemplate.objects.annotate(agreement_count=Count("agreements")).select_related("created_by")


@program_admin_required
def console_templates(request):
    """Every kind with its active version, and each kind's versions with how many agreements were made from them."""
    versions = list(_templates().order_by("kind", "-version"))
    kinds = []
    for value, label in AgreementKind.choices:
        of_kind = [t for t in versions if t.kind == value]
        kinds.append({"value": value, "label": label, "versions": of_kind,
                      "active": next((t for t in of_kind if t.active), None)})
    return render(request, "agreements/console_templates.html", {"kinds": kinds})


def _line_diff(before: str, after: str) -> list[tuple[str, str]]:
    """(marker, line) pairs of a text change: "-" removed, "+" added, " " unchanged context."""
    lines = difflib.unified_diff((before or "").splitlines(), (after or "").splitlines(), lineterm="", n=1)
    return [(line[:1], line[1:]) for line in lines if not line.startswith(("---", "+++", "@@"))]


@program_admin_required
def console_template(request, template_id):
    """One version, read-only, with what changed since the previous version and a form publishing the next."""
    template = get_object_or_404(_templates(), pk=template_id)
    form = TemplateVersionForm(request.POST or None, template=template)
    if request.method != "POST":
        return _template_page(request, template, form)

    def show_form(form):
        return _template_page(request, template, form)

    return page_action(
        request, lambda data: services.publish_template_version(actor=request.user, kind=template.kind,
                                                                 data=form.service_data()),
        form=form, show_form=show_form, on_refusal=refusal_on_form(form, show_form),
        success=lambda published: (f"Version {published.version} published; new "
                                   f"{published.get_kind_display()} agreements are made from it."),
        redirect_to=lambda published: reverse("agreements:console_template", args=[published.pk]))


def _template_page(request, template, form):
    """One template version with its changes since the previous one, and the form publishing the next."""
    previous = template.previous()
    changes = template.changes_from(previous)
    for change in changes:
        if change["text"]:
            change["diff"] = _line_diff(change["before"], change["after"])
    current = AgreementTemplate.current(template.kind)
    return render(request, "agreements/console_template.html", {
        "template": template, "previous": previous, "changes": changes, "form": form,
        "current": current, "versions": _templates().filter(kind=template.kind).order_by("-version"),
    })


@program_admin_required
@require_POST
def console_template_active(request, template_id):
    """Switch a version on or off (`active` = "1" or "0")."""
    template = get_object_or_404(AgreementTemplate, pk=template_id)
    active = request.POST.get("active")
    back = reverse("agreements:console_template", args=[template.pk])
    if active not in ("0", "1"):
        messages.error(request, "Choose whether to switch the version on or off.")
        return redirect(back)
    return page_action(
        request, lambda: services.set_template_active(actor=request.user, template=template, active=active == "1"),
        success=(f"Version {template.version} is {'now' if active == '1' else 'no longer'} the "
                 f"active {template.get_kind_display()} template."),
        redirect_to=back)


# ---------------------------------------------------------------- portal

@partner_required
def portal_list(request):
    agreements = _agreements(request.user)
    return render(request, "agreements/portal_list.html", {
        "agreements": agreements, "awaiting": [a for a in agreements if a.status == AgreementStatus.SENT],
        "can_sign": request.user.is_partner_admin,
    })


@partner_required
def portal_detail(request, agreement_id):
    agreement = _agreement(request, agreement_id)
    return render(request, "agreements/portal_detail.html", {
        "agreement": agreement, "sections": pdf.sections(agreement),
        "can_sign": services.can_sign(request.user, agreement) and agreement.status == AgreementStatus.SENT,
    })


@partner_required
def portal_sign(request, agreement_id):
    agreement = _agreement(request, agreement_id)
    if not request.user.is_partner_admin:
        raise PermissionDenied("Only your partner admins can sign agreements.")
    if agreement.status != AgreementStatus.SENT:
        messages.error(request, "This agreement is not waiting for a signature.")
        return redirect("agreements:portal_detail", agreement.pk)
    form = SignForm(request.POST or None, initial={"signer_name": request.user.full_name})

    def show_form(form):
        return render(request, "agreements/portal_sign.html", {"agreement": agreement, "form": form,
                                                               "sections": pdf.sections(agreement)})

    if request.method != "POST":
        return show_form(form)
    return page_action(
        request, lambda data: services.sign(actor=request.user, agreement=agreement, signer_name=data["signer_name"],
                                            ip_address=request.META.get("REMOTE_ADDR"),
                                            user_agent=request.META.get("HTTP_USER_AGENT", "")),
        form=form, show_form=show_form, on_refusal=refusal_on_form(form, show_form),
        success="Thank you — the agreement is signed.",
        redirect_to=reverse("agreements:portal_detail", args=[agreement.pk]))


@partner_required
def portal_print(request, agreement_id):
    agreement = _agreement(request, agreement_id)
    return render(request, "agreements/print.html", {"agreement": agreement, "title": pdf.title(agreement),
                                                     "sections": pdf.sections(agreement)})


@partner_required
def portal_pdf(request, agreement_id):
    return _pdf_response(_agreement(request, agreement_id))


@vendor_required
def console_territory_pick(request):
    """htmx picker search for the territories field (a comma list): region codes, then country codes, whose
    code or name contains the last entry typed."""
    prefix, text = search_terms(request)
    needle = text.casefold()
    regions = [code for code, label in Region.choices if needle in code.casefold() or needle in label.casefold()]
    countries = [code for code, name in COUNTRY_CHOICES if needle in code.casefold() or needle in name.casefold()]
    return options_response((regions + countries)[:MAX_MATCHES], prefix)
