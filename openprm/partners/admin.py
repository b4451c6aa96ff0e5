from django.contrib import admin

from openprm.lib.admin import ConsoleManagedAdmin, ReadOnlyPermissions

from .models import (
    OnboardingTemplate,
    OnboardingTemplateItem,
    Partner,
    PartnerType,
    ScorecardCriterion,
    Specialization,
    StageTarget,
)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    """Partners are changed in the console (through services, audited); the admin shows them read-only."""

    list_display = ["name", "country", "region", "stage", "tier", "manager"]
    list_filter = ["stage", "region", "tier"]
    search_fields = ["name", "legal_name", "domain"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TemplateItemInline(ReadOnlyPermissions, admin.TabularInline):
    model = OnboardingTemplateItem
    extra = 0


@admin.register(OnboardingTemplate)
class OnboardingTemplateAdmin(ConsoleManagedAdmin):
    """Onboarding templates and their steps; edited on the console's Onboarding settings tab (audited)."""

    console_url = "partners:console_settings_onboarding"
    list_display = ["name", "partner_type"]
    inlines = [TemplateItemInline]


@admin.register(StageTarget)
class StageTargetAdmin(ConsoleManagedAdmin):
    """Stage targets; edited on the console's Lifecycle settings tab (audited)."""

    console_url = "partners:console_settings"
    list_display = ["stage", "target_days"]


@admin.register(ScorecardCriterion)
class ScorecardCriterionAdmin(ConsoleManagedAdmin):
    """Scorecard criteria; edited on the console's Scorecard settings tab (audited)."""

    console_url = "partners:console_settings_scorecard"
    list_display = ["name", "code", "weight", "position"]


admin.site.register([PartnerType, Specialization])
