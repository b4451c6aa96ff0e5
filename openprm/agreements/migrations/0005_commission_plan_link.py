"""The agreement's commission plan becomes a link to a real plan instead of free text.

The old text is kept in a temporary column while the link is filled: a text that names an existing plan
(case and surrounding spaces aside) links to it; any other text has no plan to point at and is dropped (by the next migration, which removes the column: PostgreSQL does not alter a table with
pending constraint checks in the transaction that updated it).
"""

import django.db.models.deletion
from django.db import migrations, models


def link_plans_by_name(apps, schema_editor):
    """Point each agreement at the plan its free text names, where one does."""
    Agreement = apps.get_model("agreements", "Agreement")
    CommissionPlan = apps.get_model("commissions", "CommissionPlan")
    plans = {name.strip().casefold(): pk for pk, name in CommissionPlan.objects.values_list("pk", "name")}
    for pk, text in Agreement.objects.exclude(commission_plan_text="").values_list("pk", "commission_plan_text"):
        plan_id = plans.get(text.strip().casefold())
        if plan_id is not None:
            Agreement.objects.filter(pk=pk).update(commission_plan_id=plan_id)


def plan_names_back(apps, schema_editor):
    """Going back, the link becomes the plan's name again."""
    Agreement = apps.get_model("agreements", "Agreement")
    for agreement in Agreement.objects.exclude(commission_plan=None).select_related("commission_plan"):
        Agreement.objects.filter(pk=agreement.pk).update(commission_plan_text=agreement.commission_plan.name)


class Migration(migrations.Migration):

    dependencies = [
        ("agreements", "0004_signature_evidence"),
        ("commissions", "0002_ledger_indexes"),
    ]

    operations = [
        migrations.RenameField(model_name="agreement", old_name="commission_plan", new_name="commission_plan_text"),
        migrations.AddField(
            model_name="agreement",
            name="commission_plan",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="agreements", to="commissions.commissionplan"),
        ),
        migrations.RunPython(link_plans_by_name, plan_names_back),
    ]
