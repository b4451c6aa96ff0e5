"""Which audit events a user may read: program admins all; channel managers their partners' events."""

from .models import AuditEvent


def events_for_user(user):
    """Vendor staff who see all partners see every event; a channel manager sees its partners' events."""
    if not user.is_authenticated or not user.is_vendor:
        return AuditEvent.objects.none()
    if user.sees_all_partners:
        return AuditEvent.objects.all()
    return AuditEvent.objects.filter(partner__manager=user)
