"""Notifications keep the summary only; the e-mail's full text is no longer stored (issue 10, item 9)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_notification_summary")]

    operations = [
        migrations.RemoveField(model_name="notification", name="body"),
        migrations.AlterField(model_name="notification", name="url",
                              field=models.CharField(blank=True, max_length=300,
                                                     help_text="Where the notification leads in the UI; it opens "
                                                               "for its recipient")),
    ]
