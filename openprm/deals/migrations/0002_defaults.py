"""Create the program's deal settings row and the single match-lock row registrations lock."""

from django.db import migrations


def load(apps, schema_editor):
    apps.get_model("deals", "DealProgram").objects.get_or_create(pk=1)
    apps.get_model("deals", "MatchLock").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("deals", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
