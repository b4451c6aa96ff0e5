"""The partners app's configuration services: stage targets, scorecard criteria and onboarding templates.

Edited on the console's settings pages (partners:console_settings, …_scorecard, …_onboarding) and through
`/api/v1/settings/lifecycle`, `/api/v1/settings/scorecard-criteria` and `/api/v1/settings/onboarding-templates`,
never in Django admin, so every change is validated and audited here. Stage targets and criterion weights
keep their services in `services` (set_stage_targets, set_criterion_weights); this module adds the rest.
"""

from django.db import transaction

from openprm.accounts.access import require_program_admin
from openprm.audit.changes import save_audited
from openprm.lib.errors import ValidationFailed

from . import services
from .models import OnboardingTemplate, OnboardingTemplateItem, PartnerType, ScorecardCriterion

CRITERION_FIELDS = ["code", "name", "description", "weight", "position"]
TEMPLATE_FIELDS = ["name", "partner_type"]
TEMPLATE_ITEM_FIELDS = ["title", "description", "owner_side", "due_after_days", "position"]
MAX_DUE_AFTER_DAYS = 3650


def stage_targets() -> dict[str, int]:
    """Stage → target days (the configured rows over the seed's defaults)."""
    return services.stage_targets()


@transaction.atomic
def set_stage_targets(*, actor, targets: dict) -> dict[str, int]:
    """Set stage targets (stage → whole days) through the partners service (audited per change); returns
    every stage's target afterwards."""
    services.set_stage_targets(actor=actor, targets=targets)
    return services.stage_targets()


def _criterion_rules(criterion: ScorecardCriterion) -> dict:
    if criterion.weight > services.MAX_CRITERION_WEIGHT:
        return {"weight": [f"Enter a weight from 0 to {services.MAX_CRITERION_WEIGHT}."]}
    others = ScorecardCriterion.objects.exclude(pk=criterion.pk).filter(weight__gt=0)
    if criterion.weight <= 0 and not others.exists():
        # A weighted score with every weight at zero divides by nothing.
        return {"weight": ["At least one criterion must weigh more than zero."]}
    return {}


@transaction.atomic
def create_criterion(*, actor, data: dict) -> ScorecardCriterion:
    """Add a scorecard criterion (code, name, description, weight 0–100, position); audited."""
    require_program_admin(actor)
    criterion = ScorecardCriterion()
    save_audited(actor=actor, obj=criterion, data=data, fields=CRITERION_FIELDS,
                 verb="scorecard_criterion.created", message="Please correct the criterion.",
                 check=_criterion_rules)
    return criterion


@transaction.atomic
def update_criterion(*, actor, criterion: ScorecardCriterion, data: dict) -> ScorecardCriterion:
    """Change a scorecard criterion's name, description, weight or position (its code stays: scores and
    imports name it); audited with the values before and after."""
    require_program_admin(actor)
    criterion = ScorecardCriterion.objects.select_for_update().get(pk=criterion.pk)
    save_audited(actor=actor, obj=criterion, data=data, fields=[f for f in CRITERION_FIELDS if f != "code"],
                 verb="scorecard_criterion.updated", message="Please correct the criterion.",
                 check=_criterion_rules)
    return criterion


def _template_data(data: dict) -> dict:
    # Pages and the API name the partner type by its code ("" or None: the default template).
    data = dict(data)
    code = data.get("partner_type")
    if isinstance(code, str):
        data["partner_type"] = PartnerType.objects.filter(code=code).first() if code else None
        if code and data["partner_type"] is None:
            raise ValidationFailed("Please correct the template.", errors={"partner_type": ["Unknown partner type."]})
    return data


@transaction.atomic
def create_template(*, actor, data: dict) -> OnboardingTemplate:
    """Add an onboarding template: a name and the partner type it is for (none = the default template)."""
    require_program_admin(actor)
    template = OnboardingTemplate()
    save_audited(actor=actor, obj=template, data=_template_data(data), fields=TEMPLATE_FIELDS,
                 verb="onboarding_template.created", message="Please correct the template.")
    return template


@transaction.atomic
def update_template(*, actor, template: OnboardingTemplate, data: dict) -> OnboardingTemplate:
    """Rename an onboarding template or change its partner type; audited."""
    require_program_admin(actor)
    template = OnboardingTemplate.objects.select_for_update().get(pk=template.pk)
    save_audited(actor=actor, obj=template, data=_template_data(data), fields=TEMPLATE_FIELDS,
                 verb="onboarding_template.updated", message="Please correct the template.")
    return template


def _item_rules(item: OnboardingTemplateItem) -> dict:
    if item.due_after_days > MAX_DUE_AFTER_DAYS:
        return {"due_after_days": [f"Enter whole days from 0 to {MAX_DUE_AFTER_DAYS}."]}
    return {}


@transaction.atomic
def create_template_item(*, actor, template: OnboardingTemplate, data: dict) -> OnboardingTemplateItem:
    """Add a step to an onboarding template; partners that start onboarding afterwards get it (checklists
    already started keep theirs). Audited."""
    require_program_admin(actor)
    item = OnboardingTemplateItem(template=template)
    save_audited(actor=actor, obj=item, data=data, fields=TEMPLATE_ITEM_FIELDS,
                 verb="onboarding_template_item.created", message="Please correct the step.", check=_item_rules)
    return item


@transaction.atomic
def update_template_item(*, actor, item: OnboardingTemplateItem, data: dict) -> OnboardingTemplateItem:
    """Change a step of an onboarding template (title, description, side, due days, position); audited."""
    require_program_admin(actor)
    item = OnboardingTemplateItem.objects.select_for_update().get(pk=item.pk)
    save_audited(actor=actor, obj=item, data=data, fields=TEMPLATE_ITEM_FIELDS,
                 verb="onboarding_template_item.updated", message="Please correct the step.", check=_item_rules)
    return item
