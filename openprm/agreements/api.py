"""API: partner agreements — drafted by the vendor, signed by the partner's admin, rendered as PDF."""

from django.http import HttpResponse
from django.utils import timezone
from ninja import Router, Status
from ninja.pagination import paginate

from openprm.api.pagination import Page
from openprm.partners.models import Partner
from openprm.partners.scoping import get_scoped_or_404

from . import services
from .models import Agreement, AgreementKind, AgreementStatus
from .pdf import render_pdf
from .schemas import AgreementIn, AgreementOut, AgreementPatch, ReasonIn, SignIn

router = Router(tags=["agreements"])


def agreements_for(user):
    return Agreement.objects.for_user(user).select_related("partner", "template")


def _agreement(request, agreement_id: int) -> Agreement:
    return get_scoped_or_404(agreements_for(request.user), request.user, pk=agreement_id)


@router.get("/agreements", response=list[AgreementOut])
@paginate(Page)
def list_agreements(request, partner: int | None = None, status: AgreementStatus | None = None,
                    kind: AgreementKind | None = None, expiring_within_days: int | None = None):
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
        agreements = agreements.expiring_within(max(0, expiring_within_days), timezone.localdate())
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
                         signer_name=payload.signer_name, ip_address=request.META.get("REMOTE_ADDR"))


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
