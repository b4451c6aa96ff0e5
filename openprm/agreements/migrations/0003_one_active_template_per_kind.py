"""Each kind keeps at most one active template version; versions record who published them.

Before the constraint, older active versions of a kind (possible when the Django admin edited templates) are
retired, keeping the highest active version of each kind, the one new agreements were already made from.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def keep_newest_active(apps, schema_editor):
    Template = apps.get_model("agreements", "AgreementTemplate")
    seen = set()
    for template in Template.objects.filter(active=True).order_by("kind", "-version"):
        if template.kind in seen:
            Template.objects.filter(pk=template.pk).update(active=False)
        seen.add(template.kind)


class Migration(migrations.Migration):

    dependencies = [
        ('agreements', '0002_default_templates'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='agreementtemplate',
            name='created_by',
            field=models.ForeignKey(blank=True, help_text='The program admin who published this version', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.RunPython(keep_newest_active, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='agreementtemplate',
            constraint=models.UniqueConstraint(condition=models.Q(('active', True)), fields=('kind',), name='one_active_template_per_kind'),
        ),
    ]
