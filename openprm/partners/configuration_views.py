"""The console's program settings tabs owned by the partners app (program admins only):

- Lifecycle (`/console/settings/`): stage targets and criterion weights, the page the console had before;
- Scorecard (`/console/settings/scorecard/`): add and change the qualification criteria;
- Onboarding (`/console/settings/onboarding/`): templates and their steps.

Each write goes through `partners.configuration` or `partners.services` (validated, audited).
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from openprm.accounts.access import program_admin_required
from openprm.lib.errors import DomainError
from openprm.lib.pages import page_action

from . import configuration, services
from .configuration_forms import CriterionForm, TemplateForm, TemplateItemForm
from .models import DEFAULT_STAGE_TARGET_DAYS, OnboardingTemplate, OnboardingTemplateItem, ScorecardCriterion, Stage


@program_admin_required
def console_settings(request):
    """Stage targets and scorecard weights, each a form of its own (`section`); errors shown by the field."""
    target_stages = [Stage(s) for s in DEFAULT_STAGE_TARGET_DAYS]
    criteria = list(ScorecardCriterion.objects.all())
    errors, posted = {}, {}
    if request.method == "POST":
        section = request.POST.get("section")
        try:
            if section == "targets":
                posted = {s.value: request.POST.get(f"target_{s.value}", "") for s in target_stages}
                changed = services.set_stage_targets(actor=request.user, targets=posted)
                messages.success(request, f"Stage targets saved ({len(changed)} changed).")
            elif section == "weights":
                posted = {c.code: request.POST.get(f"weight_{c.code}", "") for c in criteria}
                changed = services.set_criterion_weights(actor=request.user, weights=posted)
                messages.success(request, f"Scorecard weights saved ({len(changed)} changed).")
            else:
                messages.error(request, "Nothing to save.")
        except DomainError as exc:
            # These forms are rows of inputs named per stage/criterion, not Django forms: the service's
            # field errors are keyed by stage and criterion code and shown beside each input.
            errors = exc.errors
            messages.error(request, exc.message)
        else:
            return redirect("partners:console_settings")
    targets = services.stage_targets()
    total_weight = sum((c.weight for c in criteria), 0)
    templates = OnboardingTemplate.objects.select_related("partner_type").prefetch_related("items")
    return render(request, "partners/settings_lifecycle.html", {
        "settings_tab": "lifecycle", "history_type": "partners.stagetarget",
        "target_rows": [{"stage": s, "days": posted.get(s.value, targets.get(s.value)),
                         "default": DEFAULT_STAGE_TARGET_DAYS.get(s), "errors": errors.get(s.value, [])}
                        for s in target_stages],
        "criteria_rows": [{"criterion": c, "weight": posted.get(c.code, c.weight), "errors": errors.get(c.code, []),
                           "share": round(100 * c.weight / total_weight) if total_weight else 0}
                          for c in criteria],
        "templates": templates,
    })


# ---------------------------------------------------------------- scorecard criteria

def _scorecard_page(request, *, new=None, bound=None):
    criteria = list(ScorecardCriterion.objects.all())
    rows = [(c, bound if bound is not None and bound.instance.pk == c.pk else CriterionForm(instance=c,
                                                                                            prefix=f"c{c.pk}"))
            for c in criteria]
    return render(request, "partners/settings_scorecard.html", {
        "settings_tab": "scorecard", "history_type": "partners.scorecardcriterion", "rows": rows,
        "new_form": new or CriterionForm(prefix="new"),
    }, status=200)


@program_admin_required
def console_settings_scorecard(request):
    """The criteria, each with its own form; POST here adds one."""
    if request.method != "POST":
        return _scorecard_page(request)
    return page_action(
        request, lambda data: configuration.create_criterion(actor=request.user, data=data),
        form=CriterionForm(request.POST, prefix="new"), show_form=lambda form: _scorecard_page(request, new=form),
        redirect_to=reverse("partners:console_settings_scorecard"),
        success=lambda criterion: f"Criterion {criterion.name} added.")


@program_admin_required
@require_POST
def console_settings_criterion(request, criterion_code):
    """POST: change one criterion (name, description, weight, position)."""
    criterion = get_object_or_404(ScorecardCriterion, code=criterion_code)
    return page_action(
        request, lambda data: configuration.update_criterion(actor=request.user, criterion=criterion, data=data),
        form=CriterionForm(request.POST, instance=criterion, prefix=f"c{criterion.pk}"),
        show_form=lambda form: _scorecard_page(request, bound=form),
        redirect_to=reverse("partners:console_settings_scorecard"),
        success=lambda saved: f"Criterion {saved.name} saved.")


# ---------------------------------------------------------------- onboarding templates

def _onboarding_page(request, *, bound=None, bound_key=None):
    """The templates with a form per template, per step and for a new step; `bound` replaces the form
    whose key is `bound_key` ("new", "t<id>", "add<id>", "i<id>") so its errors show in place."""
    def form_for(key, cls, **kwargs):
        return bound if key == bound_key else cls(prefix=key, **kwargs)

    templates = OnboardingTemplate.objects.select_related("partner_type").prefetch_related("items")
    blocks = [{"template": t, "form": form_for(f"t{t.pk}", TemplateForm, instance=t),
               "add_form": form_for(f"add{t.pk}", TemplateItemForm),
               "items": [(item, form_for(f"i{item.pk}", TemplateItemForm, instance=item)) for item in t.items.all()]}
              for t in templates]
    return render(request, "partners/settings_onboarding.html", {
        "settings_tab": "onboarding", "history_type": "partners.onboardingtemplateitem", "blocks": blocks,
        "new_form": form_for("new", TemplateForm),
    })


def _onboarding_action(request, call, *, key, form, success):
    return page_action(request, call, form=form, success=success,
                       show_form=lambda bound: _onboarding_page(request, bound=bound, bound_key=key),
                       redirect_to=reverse("partners:console_settings_onboarding"))


@program_admin_required
def console_settings_onboarding(request):
    """The onboarding templates and their steps; POST here adds a template."""
    if request.method != "POST":
        return _onboarding_page(request)
    return _onboarding_action(
        request, lambda data: configuration.create_template(actor=request.user, data=data), key="new",
        form=TemplateForm(request.POST, prefix="new"), success=lambda t: f"Template {t.name} added.")


@program_admin_required
@require_POST
def console_settings_template(request, onboarding_template_id):
    """POST: rename a template or change its partner type."""
    template = get_object_or_404(OnboardingTemplate, pk=onboarding_template_id)
    return _onboarding_action(
        request, lambda data: configuration.update_template(actor=request.user, template=template, data=data),
        key=f"t{template.pk}", form=TemplateForm(request.POST, instance=template, prefix=f"t{template.pk}"),
        success=lambda t: f"Template {t.name} saved.")


@program_admin_required
@require_POST
def console_settings_template_items(request, onboarding_template_id):
    """POST: add a step to a template."""
    template = get_object_or_404(OnboardingTemplate, pk=onboarding_template_id)
    return _onboarding_action(
        request, lambda data: configuration.create_template_item(actor=request.user, template=template, data=data),
        key=f"add{template.pk}", form=TemplateItemForm(request.POST, prefix=f"add{template.pk}"),
        success=lambda item: f"Step {item.title} added.")


@program_admin_required
@require_POST
def console_settings_template_item(request, onboarding_template_id, item_id):
    """POST: change a step of a template."""
    item = get_object_or_404(OnboardingTemplateItem, pk=item_id, template_id=onboarding_template_id)
    return _onboarding_action(
        request, lambda data: configuration.update_template_item(actor=request.user, item=item, data=data),
        key=f"i{item.pk}", form=TemplateItemForm(request.POST, instance=item, prefix=f"i{item.pk}"),
        success=lambda saved: f"Step {saved.title} saved.")
