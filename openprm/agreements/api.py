"""API: partner agreements — drafted by the vendor, signed by the partner's admin, rendered as PDF."""

from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status
from ninja.pagination import paginate

from openprm.accounts.scoping import get_scoped_or_404
from openprm.lib import clock
from openprm.lib.pagination import Page
from openprm.lib.params import DbInt
from openprm.partners.models import Partner

from . import services
from .exceptions import NotAllowed
from .models import Agreement, AgreementKind, AgreementStatus, AgreementTemplate
from .pdf import render_pdf
from .schemas import (
    AgreementIn,
    AgreementOut,
    AgreementPatch,
    ReasonIn,
    SignIn,
    TemplateActiveIn,
    TemplateIn,
    TemplateOut,
)

router = Router(tags=["agreements"])


def agreements_for(user):
    return Agreement.objects.for_user(user).select_related("partner", "template", "commission_plan")


def _agreement(request, agreement_id: int) -> Agreement:
    return get_scoped_or_404(agreements_for(request.user), request.user, pk=agreement_id)


@router.get("/agreements", response=list[AgreementOut])
@paginate(Page)
def list_agreements(request, partner: DbInt | None = None, status: AgreementStatus | None = None,
                    kind: AgreementKind | None = None,
                    # a horizon beyond a century would overflow the date arithmetic (a 500 before)
                    expiring_within_days: int | None = Query(None, le=36500)):
    """Agreements the caller may see, newest first; filters `partner`, `status`, `kind`, and
    `expiring_within_days` (signed or active agreements whose term ends within that many days)."""
    agreements = agreements_for(request.user)
    if partner is not None:
        agreements = agreements.filter(partner_id=partner)
    if status:
        agreements = agreements.filter(status=status)
    if kind:
        agreements = agreements.filter(kind=kind)
    if expiring_within_days is not None:
        agreements = agreements.expiring_within(max(0, expiring_within_days), clock.today())
    return agreements


@router.post("/agreements", response={201: AgreementOut})
def create_agreement(request, payload: AgreementIn):
    """Draft an agreement for a partner from the active template of its kind. 201 with status `draft`."""
    partner = get_scoped_or_404(Partner, request.user, pk=payload.partner)
    data = payload.dict(exclude={"partner"}, exclude_none=True)
    return Status(201, services.create_agreement(actor=request.user, partner=partner, data=data))


@router.get("/agreements/{agreement_id}", response=AgreementOut)
def get_agreement(request, agreement_id: int):
    return _agreement(request, agreement_id)


@router.patch("/agreements/{agreement_id}", response=AgreementOut)
def patch_agreement(request, agreement_id: int, payload: AgreementPatch):
    """Change a draft (only drafts change; 409 once sent)."""
    data = payload.dict(exclude_unset=True)
    return services.update_agreement(actor=request.user, agreement=_agreement(request, agreement_id), data=data)


@router.post("/agreements/{agreement_id}/send", response=AgreementOut)
def send_agreement(request, agreement_id: int):
    return services.send(actor=request.user, agreement=_agreement(request, agreement_id))


@router.post("/agreements/{agreement_id}/sign", response=AgreementOut)
def sign_agreement(request, agreement_id: int, payload: SignIn):
    """A partner admin signs with their typed name → `signed`, or `active` when the term has started."""
    return services.sign(actor=request.user, agreement=_agreement(request, agreement_id),
                         signer_name=payload.signer_name, ip_address=request.META.get("REMOTE_ADDR"),
                         user_agent=request.META.get("HTTP_USER_AGENT", ""))


@router.post("/agreements/{agreement_id}/terminate", response=AgreementOut)
def terminate_agreement(request, agreement_id: int, payload: ReasonIn):
    return services.terminate(actor=request.user, agreement=_agreement(request, agreement_id), reason=payload.reason)


@router.get("/agreements/{agreement_id}/pdf")
def agreement_pdf(request, agreement_id: int):
    """The agreement as a PDF document (application/pdf)."""
    agreement = _agreement(request, agreement_id)
    response = HttpResponse(render_pdf(agreement), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="agreement-{agreement.pk}.pdf"'
    return response


# ---------------------------------------------------------------- templates (program admins)

def _templates(request):
    if not services.can_manage_templates(request.user):
        raise NotAllowed("Only program admins manage agreement templates.")
    return AgreementTemplate.objects.annotate(agreement_count=Count("agreements")).order_by("kind", "-version")


@router.get("/agreement-templates", response=list[TemplateOut])
@paginate(Page)
def list_templates(request, kind: AgreementKind | None = None, active: bool | None = None):
    """Every version of every kind's template (newest version first per kind) with how many agreements were
    made from it; filters `kind` and `active`. Program admins only."""
    templates = _templates(request)
    if kind:
        templates = templates.filter(kind=kind)
    if active is not None:
        templates = templates.filter(active=active)
    return templates


@router.post("/agreement-templates", response={201: TemplateOut})
def publish_template(request, payload: TemplateIn):
    """Publish the next version of `kind`'s template: the current version with the given changes. It becomes
    the active version; agreements already made keep theirs. 201 with the new version."""
    templates = _templates(request)
    data = payload.dict(exclude={"kind"}, exclude_none=True)
    template = services.publish_template_version(actor=request.user, kind=payload.kind, data=data)
    return Status(201, templates.get(pk=template.pk))


@router.get("/agreement-templates/{template_id}", response=TemplateOut)
def get_template(request, template_id: int):
    return get_object_or_404(_templates(request), pk=template_id)


@router.post("/agreement-templates/{template_id}/active", response=TemplateOut)
def set_template_active(request, template_id: int, payload: TemplateActiveIn):
    """Switch a version on (any other active version of its kind is switched off) or off."""
    templates = _templates(request)
    template = get_object_or_404(templates, pk=template_id)
    services.set_template_active(actor=request.user, template=template, active=payload.active)
    return templates.get(pk=template.pk)
