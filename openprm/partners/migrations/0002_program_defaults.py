"""Load the program defaults: partner types, the seed's scorecard criteria, stage targets, onboarding templates."""

from decimal import Decimal

from django.db import migrations

TYPES = [
    ("reseller", "Reseller / VAR"), ("referral", "Referral / affiliate"), ("technology", "Technology integration"),
    ("alliance", "Strategic alliance"), ("co_marketing", "Co-marketing"), ("oem", "OEM / white-label"),
    ("distributor", "Distributor"), ("msp", "Managed service provider"),
]
CRITERIA = [
    ("strategic_alignment", "Strategic alignment", "Shared goals, target markets and vision.", "1.5"),
    ("market_reach", "Market reach and customer base", "Access to the customers and segments we want.", "1.5"),
    ("brand_fit", "Brand fit and reputation", "Market standing, references, values.", "1"),
    ("resource_commitment", "Resource commitment", "People, time and budget the partner will invest.", "1"),
    ("cultural_compatibility", "Cultural compatibility", "Ways of working, communication, trust.", "0.75"),
    ("technical_compatibility", "Technical compatibility", "Skills, systems and integration readiness.", "1"),
]
STAGE_TARGETS = [("identification", 14), ("qualification", 14), ("negotiation", 28), ("onboarding", 28)]
# The seed's onboarding steps: (title, side, due after days).
DEFAULT_STEPS = [
    ("Kick-off meeting", "vendor", 3),
    ("Training and enablement", "partner", 21),
    ("System integration (portal, CRM, deal registration)", "vendor", 14),
    ("Launch plan", "partner", 21),
    ("Joint go-to-market plan", "vendor", 28),
]
TECHNOLOGY_STEPS = [
    ("Kick-off meeting", "vendor", 3),
    ("Technical enablement and sandbox access", "vendor", 7),
    ("Integration build and certification", "partner", 21),
    ("Marketplace listing and launch plan", "partner", 24),
    ("Joint go-to-market plan", "vendor", 28),
]


def load(apps, schema_editor):
    PartnerType = apps.get_model("partners", "PartnerType")
    ScorecardCriterion = apps.get_model("partners", "ScorecardCriterion")
    StageTarget = apps.get_model("partners", "StageTarget")
    Template = apps.get_model("partners", "OnboardingTemplate")
    Item = apps.get_model("partners", "OnboardingTemplateItem")
    for code, name in TYPES:
        PartnerType.objects.update_or_create(code=code, defaults={"name": name})
    for position, (code, name, description, weight) in enumerate(CRITERIA):
        ScorecardCriterion.objects.update_or_create(
            code=code, defaults={"name": name, "description": description, "weight": Decimal(weight),
                                 "position": position})
    for stage, days in STAGE_TARGETS:
        StageTarget.objects.update_or_create(stage=stage, defaults={"target_days": days})
    for name, partner_type, steps in [("Standard onboarding", None, DEFAULT_STEPS),
                                      ("Technology partner onboarding", "technology", TECHNOLOGY_STEPS)]:
        template = Template.objects.create(name=name, partner_type_id=partner_type)
        for position, (title, side, days) in enumerate(steps):
            Item.objects.create(template=template, title=title, owner_side=side, due_after_days=days,
                                position=position)


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
