"""The free-text commission plan, replaced by the link to a plan (0005), goes."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("agreements", "0005_commission_plan_link"),
    ]

    operations = [
        migrations.RemoveField(model_name="agreement", name="commission_plan_text"),
    ]
