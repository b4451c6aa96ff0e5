"""API: partners, their stage, contacts, scorecard and onboarding."""

from django.db.models import Q
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate

from openprm.accounts.scoping import get_scoped_or_404
from openprm.lib.errors import NotAllowed
from openprm.lib.pagination import Page
from openprm.lib.params import DbInt

from . import services
from .models import Contact, OnboardingTask, Partner, ScorecardCriterion, Stage
from .schemas import (
    ContactIn,
    ContactOut,
    ContactPatch,
    OnboardingTaskOut,
    PartnerIn,
    PartnerOut,
    PartnerPatch,
    ScorecardIn,
    ScorecardOut,
    StageChangeOut,
    StageIn,
    TaskDoneIn,
)

router = Router(tags=["partners"])


class PartnerFilters(Schema):
    q: str | None = None
    stage: Stage | None = None
    region: str | None = None
    country: str | None = None
    type: str | None = None
    tier: str | None = None
    manager: DbInt | None = None


def partner_queryset(user):
    return Partner.objects.for_user(user).prefetch_related("types", "specializations")


def filter_partners(partners, filters: PartnerFilters):
    """Apply list filters; shared by the API and the console list so both answer alike."""
    if filters.q:
        partners = partners.filter(Q(name__icontains=filters.q) | Q(legal_name__icontains=filters.q)
                                   | Q(domain__icontains=filters.q))
    if filters.stage:
        partners = partners.filter(stage=filters.stage)
    if filters.region:
        partners = partners.filter(region=filters.region)
    if filters.country:
        partners = partners.filter(country=filters.country.upper())
    if filters.type:
        partners = partners.filter(types__code=filters.type)
    if filters.tier:
        partners = partners.filter(tier=filters.tier)
    if filters.manager:
        partners = partners.filter(manager_id=filters.manager)
    return partners.distinct()


@router.get("/partners", response=list[PartnerOut])
@paginate(Page)
def list_partners(request, filters: Query[PartnerFilters]):
    """Partners the caller may see; a partner user sees exactly its own partner."""
    return filter_partners(partner_queryset(request.user), filters)


@router.post("/partners", response={201: PartnerOut})
def create_partner(request, payload: PartnerIn):
    if not request.user.is_vendor:
        raise NotAllowed("Partners are added by the vendor.")
    return Status(201, services.create_partner(actor=request.user, data=payload.dict()))


@router.get("/partners/{partner_id}", response=PartnerOut)
def get_partner(request, partner_id: int):
    return get_scoped_or_404(partner_queryset(request.user), request.user, pk=partner_id)


@router.patch("/partners/{partner_id}", response=PartnerOut)
def patch_partner(request, partner_id: int, payload: PartnerPatch):
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    data = payload.dict(exclude_unset=True)
    return services.update_partner(actor=request.user, partner=partner, data=data)


@router.post("/partners/{partner_id}/stage", response=PartnerOut)
def change_stage(request, partner_id: int, payload: StageIn):
    """Move the partner to another stage; suspending or terminating needs a `note` with the reason."""
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    return services.change_stage(actor=request.user, partner=partner, stage=payload.stage, note=payload.note)


@router.get("/partners/{partner_id}/stage-history", response=list[StageChangeOut])
def stage_history(request, partner_id: int):
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    return partner.stage_changes.all()


@router.get("/partners/{partner_id}/contacts", response=list[ContactOut])
def list_contacts(request, partner_id: int):
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    return Contact.objects.for_user(request.user).filter(partner=partner)


@router.post("/partners/{partner_id}/contacts", response={201: ContactOut})
def create_contact(request, partner_id: int, payload: ContactIn):
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    return Status(201, services.save_contact(actor=request.user, partner=partner, data=payload.dict()))


@router.patch("/contacts/{contact_id}", response=ContactOut)
def update_contact(request, contact_id: int, payload: ContactPatch):
    contact = get_scoped_or_404(Contact, request.user, pk=contact_id)
    return services.save_contact(actor=request.user, partner=contact.partner, contact=contact,
                                 data=payload.dict(exclude_unset=True))


@router.delete("/contacts/{contact_id}", response={204: None})
def delete_contact(request, contact_id: int):
    contact = get_scoped_or_404(Contact, request.user, pk=contact_id)
    services.delete_contact(actor=request.user, contact=contact)
    return Status(204, None)


def scorecard_of(partner: Partner) -> dict:
    """The scorecard as one dict: every criterion, scored or not, plus the weighted score."""
    scores = {s.criterion_id: s for s in partner.scorecard_scores.all()}
    return {
        "weighted_score": partner.weighted_score(),
        "scores": [
            {"criterion": c.code, "name": c.name, "weight": c.weight,
             "score": scores[c.pk].score if c.pk in scores else None,
             "note": scores[c.pk].note if c.pk in scores else ""}
            for c in ScorecardCriterion.objects.all()
        ],
        "reference_checks": partner.reference_checks,
        "roi_projection": partner.roi_projection,
        "roi_currency": partner.roi_currency,
    }


@router.get("/partners/{partner_id}/scorecard", response=ScorecardOut)
def get_scorecard(request, partner_id: int):
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    if not request.user.is_vendor:
        raise NotAllowed("The qualification scorecard is internal to the vendor.")
    return scorecard_of(partner)


@router.put("/partners/{partner_id}/scorecard", response=ScorecardOut)
def put_scorecard(request, partner_id: int, payload: ScorecardIn):
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    services.score_partner(
        actor=request.user, partner=partner,
        scores={s.criterion: (s.score, s.note) for s in payload.scores},
        reference_checks=payload.reference_checks, roi_projection=payload.roi_projection,
        roi_currency=payload.roi_currency,
    )
    partner.refresh_from_db()
    return scorecard_of(partner)


@router.get("/partners/{partner_id}/onboarding", response=list[OnboardingTaskOut])
def list_onboarding(request, partner_id: int):
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    return OnboardingTask.objects.for_user(request.user).filter(partner=partner)


@router.post("/onboarding-tasks/{task_id}/done", response=OnboardingTaskOut)
def set_task_done(request, task_id: int, payload: TaskDoneIn):
    task = get_scoped_or_404(OnboardingTask.objects.select_related("partner"), request.user, pk=task_id)
    return services.set_task_done(actor=request.user, task=task, done=payload.done)
