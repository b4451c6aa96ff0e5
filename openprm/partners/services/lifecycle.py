"""The partner lifecycle: development stages, the qualification scorecard, onboarding, and the
program-wide settings of both (stage targets, criterion weights)."""

from datetime import timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction

from openprm.accounts.models import Role
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock

from ..exceptions import Conflict, InvalidStageTransition, NotAllowed, ValidationFailed
from ..models import (
    DEFAULT_STAGE_TARGET_DAYS,
    DEVELOPMENT_STAGES,
    OnboardingTask,
    OnboardingTemplate,
    Partner,
    ScorecardCriterion,
    ScorecardScore,
    Stage,
    StageChange,
    StageTarget,
)
from .common import _full_clean, _notify_partner_admins, can_manage_lifecycle

# ---------------------------------------------------------------- lifecycle

def allowed_next_stages(partner: Partner) -> list[str]:
    """Where the partner may go from its stage: the next development stage, reinstatement, or an exit."""
    stage = partner.stage
    if stage == Stage.TERMINATED:
        return []
    if stage == Stage.SUSPENDED:
        return [partner.stage_before_suspension or Stage.ACTIVE, Stage.TERMINATED]
    moves = []
    index = DEVELOPMENT_STAGES.index(stage)
    if index + 1 < len(DEVELOPMENT_STAGES):
        moves.append(DEVELOPMENT_STAGES[index + 1])
    if index > 0:
        moves.append(DEVELOPMENT_STAGES[index - 1])  # e.g. negotiation fell through: back to qualification
    return moves + [Stage.SUSPENDED, Stage.TERMINATED]


@transaction.atomic
def change_stage(*, actor, partner: Partner, stage: str, note: str = "") -> Partner:
    """Move a partner along its development stages, or suspend/terminate it (a reason is required)."""
    if not can_manage_lifecycle(actor, partner):
        raise NotAllowed("Only the partner's channel manager or a program admin changes its stage.")
    if stage not in Stage.values:
        raise ValidationFailed("Unknown stage.", errors={"stage": [f"Choose one of: {', '.join(Stage.values)}."]})
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    note = (note or "").strip()
    if stage not in allowed_next_stages(partner):
        raise InvalidStageTransition(
            f"A partner in {partner.get_stage_display()} cannot move to {Stage(stage).label}.",
            errors={"stage": [f"Allowed: {', '.join(allowed_next_stages(partner)) or 'none'}."]},
        )
    if stage in (Stage.SUSPENDED, Stage.TERMINATED) and not note:
        raise ValidationFailed("Give the reason.", errors={"note": ["A reason is required to suspend or terminate."]})
    previous = partner.stage
    now = clock.moment()
    if stage == Stage.SUSPENDED:
        partner.stage_before_suspension = previous
    partner.status_reason = note if stage in (Stage.SUSPENDED, Stage.TERMINATED) else ""
    partner.stage, partner.stage_entered_at = stage, now
    partner.save(update_fields=["stage", "stage_entered_at", "stage_before_suspension", "status_reason",
                                "updated_at"])
    StageChange.objects.create(partner=partner, from_stage=previous, to_stage=stage, note=note, actor=actor,
                               changed_at=now)
    audit.record(actor=actor, action=Action.TRANSITION, verb="partner.stage_changed", obj=partner,
                 partner=partner, changes={"stage": [previous, stage]}, note=note)
    if stage == Stage.ONBOARDING and not partner.onboarding_tasks.exists():
        start_onboarding(actor=actor, partner=partner)
    _notify_partner_admins(partner, subject=f"{partner.name} is now {partner.get_stage_display()}",
                           template="partners/email/stage_changed.txt", context={"note": note})
    return partner


# ---------------------------------------------------------------- qualification scorecard

@transaction.atomic
def score_partner(*, actor, partner: Partner, scores: dict, reference_checks: str | None = None,
                  roi_projection=None, roi_currency: str | None = None) -> Partner:
    """Record 1–5 scores per criterion (criterion code → score or (score, note)) and qualification notes."""
    if not can_manage_lifecycle(actor, partner):
        raise NotAllowed("Only the partner's channel manager or a program admin scores it.")
    criteria = {c.code: c for c in ScorecardCriterion.objects.all()}
    errors = {}
    for code, value in scores.items():
        score = value[0] if isinstance(value, (tuple, list)) else value
        if code not in criteria:
            errors[code] = ["Unknown criterion."]
        elif not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
            errors[code] = ["Score from 1 to 5."]
    if errors:
        raise ValidationFailed("Please correct the scores.", errors=errors)
    changes = {}
    for code, value in scores.items():
        score, note = (value[0], value[1]) if isinstance(value, (tuple, list)) else (value, "")
        existing = ScorecardScore.objects.filter(partner=partner, criterion=criteria[code]).first()
        if existing is None:
            ScorecardScore.objects.create(partner=partner, criterion=criteria[code], score=score, note=note,
                                          scored_by=actor)
            changes[code] = [None, score]
        elif existing.score != score or existing.note != note:
            changes[code] = [existing.score, score]
            existing.score, existing.note, existing.scored_by = score, note, actor
            existing.scored_at = clock.moment()
            existing.save()
    extra = {}
    if reference_checks is not None:
        extra["reference_checks"] = reference_checks
    if roi_projection is not None:
        extra["roi_projection"] = roi_projection
    if roi_currency is not None:
        extra["roi_currency"] = roi_currency
    if extra:
        before = audit.snapshot(partner, list(extra))
        for field, value in extra.items():
            setattr(partner, field, value)
        _full_clean(partner)
        partner.save()
        changes.update(audit.diff(before, audit.snapshot(partner, list(extra))))
    if changes:
        audit.record(actor=actor, action=Action.UPDATE, verb="partner.scored", obj=partner, partner=partner,
                     changes=changes)
    return partner


# ---------------------------------------------------------------- onboarding

def template_for(partner: Partner) -> OnboardingTemplate | None:
    """The onboarding template of the partner's first typed template, else the default one."""
    typed = OnboardingTemplate.objects.filter(partner_type__in=partner.types.all()).order_by("name").first()
    return typed or OnboardingTemplate.objects.filter(partner_type__isnull=True).order_by("id").first()


@transaction.atomic
def start_onboarding(*, actor, partner: Partner) -> list[OnboardingTask]:
    """Create the partner's onboarding checklist from its template; due dates count from today."""
    if not can_manage_lifecycle(actor, partner):
        raise NotAllowed("Only the partner's channel manager or a program admin runs onboarding.")
    if partner.onboarding_tasks.exists():
        raise Conflict("The onboarding checklist already exists.")
    template = template_for(partner)
    if template is None:
        raise ValidationFailed("No onboarding template is configured.")
    today = clock.today()
    tasks = [
        OnboardingTask(partner=partner, title=item.title, description=item.description,
                       owner_side=item.owner_side, position=item.position,
                       owner=partner.manager if item.owner_side == "vendor" else None,
                       due_on=today + timedelta(days=item.due_after_days))
        for item in template.items.all()
    ]
    OnboardingTask.objects.bulk_create(tasks)
    audit.record(actor=actor, action=Action.CREATE, verb="onboarding.started", obj=partner, partner=partner,
                 note=f"{len(tasks)} tasks from template {template.name}")
    return tasks


@transaction.atomic
def set_task_done(*, actor, task: OnboardingTask, done: bool) -> OnboardingTask:
    """Tick or untick an onboarding step; vendor steps are ticked by the vendor, partner steps by either side."""
    partner = task.partner
    vendor_ok = can_manage_lifecycle(actor, partner)
    partner_ok = actor.role == Role.PARTNER_ADMIN and actor.partner_id == partner.pk and task.owner_side == "partner"
    if not (vendor_ok or partner_ok):
        raise NotAllowed("You may not update this onboarding step.")
    if done == task.is_done:
        return task
    task.completed_at, task.completed_by = (clock.moment(), actor) if done else (None, None)
    task.save(update_fields=["completed_at", "completed_by"])
    verb = "onboarding.task_done" if done else "onboarding.task_reopened"
    audit.record(actor=actor, action=Action.TRANSITION, verb=verb, obj=task, partner=partner,
                 changes={"done": [not done, done]})
    return task


@transaction.atomic
def update_task(*, actor, task: OnboardingTask, owner=None, due_on=None) -> OnboardingTask:
    """Reassign an onboarding step or move its due date."""
    if not can_manage_lifecycle(actor, task.partner):
        raise NotAllowed("You may not update this onboarding step.")
    before = audit.snapshot(task, ["owner_id", "due_on"])
    if owner is not None:
        task.owner = owner
    if due_on is not None:
        task.due_on = due_on
    task.save(update_fields=["owner", "due_on"])
    changes = audit.diff(before, audit.snapshot(task, ["owner_id", "due_on"]))
    if changes:
        audit.record(actor=actor, action=Action.UPDATE, verb="onboarding.task_updated", obj=task,
                     partner=task.partner, changes=changes)
    return task


# ---- program configuration
# Program-wide settings of the partner lifecycle: how long a partner may stay in each development stage
# before it is flagged late, and how much each scorecard criterion weighs. Program admins only; audited.

MAX_STAGE_TARGET_DAYS = 3650
MAX_CRITERION_WEIGHT = Decimal("100")


def _check_program_admin(actor) -> None:
    if actor is None or actor.role != Role.ADMIN:
        raise NotAllowed("Only program admins change the program settings.")


def stage_targets() -> dict[str, int]:
    """Stage → target days: the configured rows over the seed's defaults."""
    targets = {str(stage): days for stage, days in DEFAULT_STAGE_TARGET_DAYS.items()}
    targets.update(dict(StageTarget.objects.values_list("stage", "target_days")))
    return targets


@transaction.atomic
def set_stage_targets(*, actor, targets: dict) -> list[StageTarget]:
    """Set the target days of development stages (stage → whole days, 1–3650); one audit event per change."""
    _check_program_admin(actor)
    errors, clean = {}, {}
    for stage, value in targets.items():
        if stage not in Stage.values or stage in (Stage.ACTIVE, Stage.SUSPENDED, Stage.TERMINATED):
            errors[str(stage)] = ["Targets are set for identification, qualification, negotiation and onboarding."]
            continue
        try:
            days = int(value)
        except (TypeError, ValueError):
            days = None
        if isinstance(value, bool) or days is None or str(value).strip() != str(days) \
                or not 1 <= days <= MAX_STAGE_TARGET_DAYS:
            errors[stage] = [f"Enter whole days from 1 to {MAX_STAGE_TARGET_DAYS}."]
        else:
            clean[stage] = days
    if errors:
        raise ValidationFailed("Please correct the stage targets.", errors=errors)
    changed = []
    for stage, days in clean.items():
        target = StageTarget.objects.select_for_update().filter(stage=stage).first()
        before = target.target_days if target else DEFAULT_STAGE_TARGET_DAYS.get(stage)
        if target is None:
            target = StageTarget.objects.create(stage=stage, target_days=days)
        elif target.target_days != days:
            target.target_days = days
            target.save(update_fields=["target_days"])
        else:
            continue
        if before != days:
            audit.record(actor=actor, action=Action.UPDATE, verb="stage_target.updated", obj=target,
                         changes={"target_days": [before, days]})
            changed.append(target)
    return changed


@transaction.atomic
def set_criterion_weights(*, actor, weights: dict) -> list[ScorecardCriterion]:
    """Set scorecard criterion weights (code → 0–100, two decimals); at least one must stay above zero."""
    _check_program_admin(actor)
    criteria = {c.code: c for c in ScorecardCriterion.objects.select_for_update()}
    errors, clean = {}, {}
    for code, value in weights.items():
        if code not in criteria:
            errors[str(code)] = ["Unknown criterion."]
            continue
        try:
            weight = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            weight = None
        if isinstance(value, bool) or weight is None or not weight.is_finite() \
                or not Decimal(0) <= weight <= MAX_CRITERION_WEIGHT or weight != weight.quantize(Decimal("0.01")):
            errors[code] = [f"Enter a weight from 0 to {MAX_CRITERION_WEIGHT} with at most two decimals."]
        else:
            clean[code] = weight.quantize(Decimal("0.01"))
    if errors:
        raise ValidationFailed("Please correct the weights.", errors=errors)
    resulting = {code: clean.get(code, c.weight) for code, c in criteria.items()}
    if criteria and not any(w > 0 for w in resulting.values()):
        raise ValidationFailed("At least one criterion must weigh more than zero.",
                               errors={code: ["At least one weight must be above zero."] for code in clean})
    changed = []
    for code, weight in clean.items():
        criterion = criteria[code]
        if criterion.weight == weight:
            continue
        before = criterion.weight
        criterion.weight = weight
        criterion.save(update_fields=["weight"])
        audit.record(actor=actor, action=Action.UPDATE, verb="scorecard_criterion.updated", obj=criterion,
                     changes={"weight": [before, weight]})
        changed.append(criterion)
    return changed
