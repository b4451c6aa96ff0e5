"""Protection ending: the scheduled reminders and expiry of approved registrations, as of a given day."""

from datetime import date, timedelta

from django.db import transaction

from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock

from ..models import DealProgram, Registration
from ..models import RegistrationStatus as Status
from ._common import _notify_partner, _transition


def send_expiry_reminders(*, today: date | None = None) -> int:
    """Remind partners whose protection ends within the program's reminder days (once per protection end)."""
    today = today or clock.today()
    program = DealProgram.current()
    due = Registration.objects.filter(status=Status.APPROVED, protected_until__gte=today,
                                      protected_until__lte=today + timedelta(days=program.reminder_days),
                                      reminder_sent_on__isnull=True)
    sent = 0
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            reg = Registration.objects.select_for_update().select_related("partner").get(pk=pk)
            if reg.reminder_sent_on is not None or reg.status != Status.APPROVED:
                continue
            reg.reminder_sent_on = today
            reg.save(update_fields=["reminder_sent_on"])
            audit.record(actor="system", action=Action.UPDATE, verb="registration.expiry_reminder", obj=reg,
                         partner=reg.partner, note=f"protection ends {reg.protected_until}")
            _notify_partner(reg, "expiry_reminder")
            sent += 1
    return sent


def expire_registrations(*, today: date | None = None) -> int:
    """Expire approved registrations whose protection ended without an outcome; the customer is free again."""
    today = today or clock.today()
    expired = 0
    ended = Registration.objects.filter(status=Status.APPROVED, protected_until__lt=today)
    for pk in ended.values_list("pk", flat=True):
        with transaction.atomic():
            reg = Registration.objects.select_for_update().select_related("partner").get(pk=pk)
            if reg.status != Status.APPROVED or reg.protected_until >= today:
                continue
            _transition(actor="system", registration=reg, verb="registration.expired", status=Status.EXPIRED,
                        note=f"protection ended {reg.protected_until}")
            _notify_partner(reg, "expired")
            expired += 1
    return expired
