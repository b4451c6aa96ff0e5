from django.contrib import admin

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


class TemplateItemInline(admin.TabularInline):
    model = OnboardingTemplateItem
    extra = 1


@admin.register(OnboardingTemplate)
class OnboardingTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "partner_type"]
    inlines = [TemplateItemInline]


admin.site.register([PartnerType, Specialization, StageTarget, ScorecardCriterion])
