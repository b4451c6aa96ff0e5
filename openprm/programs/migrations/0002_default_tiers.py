"""The seed's default tiers: Platinum (top 5%), Gold (top 15%), Silver (top 30%), Bronze (all others)."""

from decimal import Decimal

from django.db import migrations

TIERS = [
    dict(code="platinum", name="Platinum", rank=1, top_percent=Decimal("5"), discount_min=Decimal("30"),
         discount_max=Decimal("40"), manager_coverage="dedicated", support_level="priority",
         sla_multiplier=Decimal("0.5"), mdf_budget=Decimal("50000"), review_cadence="monthly",
         executive_engagement=True, roadmap_input=True, beta_access=True),
    dict(code="gold", name="Gold", rank=2, top_percent=Decimal("15"), discount_min=Decimal("25"),
         discount_max=Decimal("30"), manager_coverage="shared", support_level="enhanced",
         sla_multiplier=Decimal("0.75"), mdf_budget=Decimal("25000"), review_cadence="quarterly", beta_access=True),
    dict(code="silver", name="Silver", rank=3, top_percent=Decimal("30"), discount_min=Decimal("20"),
         discount_max=Decimal("25"), manager_coverage="none", support_level="standard", sla_multiplier=Decimal("1"),
         mdf_budget=Decimal("10000"), review_cadence="none", other_benefits=["Portal access", "Training resources"]),
    dict(code="bronze", name="Bronze", rank=4, top_percent=None, discount_min=Decimal("15"),
         discount_max=Decimal("20"), manager_coverage="none", support_level="community", sla_multiplier=Decimal("2"),
         mdf_budget=Decimal("0"), review_cadence="none", other_benefits=["Self-service portal", "Standard training"]),
]


def load(apps, schema_editor):
    Tier = apps.get_model("programs", "Tier")
    for values in TIERS:
        Tier.objects.update_or_create(code=values["code"], defaults=values)
    apps.get_model("programs", "Program").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
