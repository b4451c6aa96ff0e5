"""API: the lifecycle settings (stage targets), scorecard criteria and onboarding templates under
/api/v1/settings/ (program admins only; every change audited by `partners.configuration`)."""

from decimal import Decimal

from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from openprm.accounts.access import require_program_admin
from openprm.lib.schemas import InputSchema, PatchSchema

from . import configuration
from .models import OnboardingTemplate, OnboardingTemplateItem, OwnerSide, PartnerTypeCode, ScorecardCriterion

router = Router(tags=["settings"])
ONLY_ADMINS = "Program settings are for program admins."
MAX_DAYS = 3650


class LifecycleSettings(Schema):
    """Target days per development stage; a partner longer in a stage is flagged late."""

    identification: int
    qualification: int
    negotiation: int
    onboarding: int


class LifecyclePatch(PatchSchema):
    identification: int | None = Field(None, ge=1, le=MAX_DAYS)
    qualification: int | None = Field(None, ge=1, le=MAX_DAYS)
    negotiation: int | None = Field(None, ge=1, le=MAX_DAYS)
    onboarding: int | None = Field(None, ge=1, le=MAX_DAYS)


class CriterionOut(Schema):
    code: str
    name: str
    description: str
    weight: Decimal
    position: int


class CriterionIn(InputSchema):
    code: str = Field(..., min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    name: str = Field(..., min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    weight: Decimal = Field(Decimal("1"), ge=0, le=100, max_digits=5, decimal_places=2)
    position: int = Field(0, ge=0, le=10000)


class CriterionPatch(PatchSchema):
    name: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = Field(None, max_length=2000)
    weight: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    position: int | None = Field(None, ge=0, le=10000)


class ItemOut(Schema):
    id: int
    title: str
    description: str
    owner_side: OwnerSide
    due_after_days: int
    position: int


class TemplateOut(Schema):
    id: int
    name: str
    partner_type: str | None = Field(None, alias="partner_type_id")
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj):
        return list(obj.items.all())


class TemplateIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=120)
    partner_type: PartnerTypeCode | None = None  # none: the default template


class TemplatePatch(PatchSchema):
    nullable = frozenset({"partner_type"})

    name: str | None = Field(None, min_length=1, max_length=120)
    partner_type: PartnerTypeCode | None = None


class ItemIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=2000)
    owner_side: OwnerSide = OwnerSide.VENDOR
    due_after_days: int = Field(7, ge=0, le=MAX_DAYS)
    position: int = Field(0, ge=0, le=10000)


class ItemPatch(PatchSchema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=2000)
    owner_side: OwnerSide | None = None
    due_after_days: int | None = Field(None, ge=0, le=MAX_DAYS)
    position: int | None = Field(None, ge=0, le=10000)


def _admin(request) -> None:
    require_program_admin(request.user, ONLY_ADMINS)


def _templates():
    return OnboardingTemplate.objects.select_related("partner_type").prefetch_related("items")


@router.get("/settings/lifecycle", response=LifecycleSettings)
def get_lifecycle(request):
    """Target days per development stage (the configured values over the defaults)."""
    _admin(request)
    return configuration.stage_targets()


@router.patch("/settings/lifecycle", response=LifecycleSettings)
def patch_lifecycle(request, payload: LifecyclePatch):
    """Change stage targets; stages left out keep theirs. One audit event per changed stage."""
    _admin(request)
    return configuration.set_stage_targets(actor=request.user, targets=payload.dict(exclude_unset=True))


@router.get("/settings/scorecard-criteria", response=list[CriterionOut])
def list_criteria(request):
    """The weighted qualification criteria partners are scored on (1–5 each)."""
    _admin(request)
    return ScorecardCriterion.objects.all()


@router.post("/settings/scorecard-criteria", response={201: CriterionOut})
def create_criterion(request, payload: CriterionIn):
    """Add a criterion. Audited."""
    _admin(request)
    return Status(201, configuration.create_criterion(actor=request.user, data=payload.dict()))


@router.patch("/settings/scorecard-criteria/{criterion_code}", response=CriterionOut)
def patch_criterion(request, criterion_code: str, payload: CriterionPatch):
    """Change a criterion's name, description, weight or position (its code stays). Audited."""
    _admin(request)
    criterion = get_object_or_404(ScorecardCriterion, code=criterion_code)
    return configuration.update_criterion(actor=request.user, criterion=criterion,
                                          data=payload.dict(exclude_unset=True))


@router.get("/settings/onboarding-templates", response=list[TemplateOut])
def list_templates(request):
    """The onboarding checklist templates with their steps (a partner type's, and the default one)."""
    _admin(request)
    return _templates()


@router.post("/settings/onboarding-templates", response={201: TemplateOut})
def create_template(request, payload: TemplateIn):
    """Add an onboarding template for a partner type (or the default one). Audited."""
    _admin(request)
    data = {**payload.dict(), "partner_type": payload.partner_type or ""}
    template = configuration.create_template(actor=request.user, data=data)
    return Status(201, _templates().get(pk=template.pk))


@router.patch("/settings/onboarding-templates/{onboarding_template_id}", response=TemplateOut)
def patch_template(request, onboarding_template_id: int, payload: TemplatePatch):
    """Rename a template or change its partner type (null: the default template). Audited."""
    _admin(request)
    template = get_object_or_404(OnboardingTemplate, pk=onboarding_template_id)
    data = payload.dict(exclude_unset=True)
    if "partner_type" in data:
        data["partner_type"] = data["partner_type"] or ""
    configuration.update_template(actor=request.user, template=template, data=data)
    return _templates().get(pk=template.pk)


@router.post("/settings/onboarding-templates/{onboarding_template_id}/items", response={201: ItemOut})
def create_item(request, onboarding_template_id: int, payload: ItemIn):
    """Add a step to a template; partners starting onboarding afterwards get it. Audited."""
    _admin(request)
    template = get_object_or_404(OnboardingTemplate, pk=onboarding_template_id)
    return Status(201, configuration.create_template_item(actor=request.user, template=template,
                                                           data=payload.dict()))


@router.patch("/settings/onboarding-templates/{onboarding_template_id}/items/{item_id}", response=ItemOut)
def patch_item(request, onboarding_template_id: int, item_id: int, payload: ItemPatch):
    """Change a step of a template. Audited."""
    _admin(request)
    item = get_object_or_404(OnboardingTemplateItem, pk=item_id, template_id=onboarding_template_id)
    return configuration.update_template_item(actor=request.user, item=item, data=payload.dict(exclude_unset=True))
