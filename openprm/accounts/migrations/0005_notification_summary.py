"""Notifications get a short summary instead of the e-mail's full text (issue 10, item 9); the old text is
dropped in the next migration (a separate transaction, so PostgreSQL alters no table with pending updates)."""

from django.db import migrations, models


def body_to_summary(apps, schema_editor):
    """Keep a readable line of the old notifications: the body's first non-greeting paragraph, shortened."""
    Notification = apps.get_model("accounts", "Notification")
    for notice in Notification.objects.exclude(body="").iterator():
        paragraphs = [p.strip() for p in notice.body.split("\n\n") if p.strip() and not p.strip().startswith("Hello")]
        text = " ".join((paragraphs[0] if paragraphs else "").split())
        notice.summary = text if len(text) <= 300 else text[:299] + "…"
        notice.save(update_fields=["summary"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_rate_limits")]

    operations = [
        migrations.AddField(model_name="notification", name="summary",
                            field=models.CharField(blank=True, max_length=300)),
        migrations.RunPython(body_to_summary, migrations.RunPython.noop),
    ]
