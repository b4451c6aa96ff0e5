"""Read-only commission queries shared by pages: which won deals earned nothing for a participant."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from openprm.deals.models import RegistrationStatus

from .models import LedgerLine, LineKind, PlanAssignment


def won_without_plan(participants: QuerySet, search: str = "") -> QuerySet:
    """Participants of won deals (from a queryset already scoped to the viewer) with no commission booked for them.

    Each carries `has_plan`: whether a plan is in force on the deal's close date now (then a recalculation of its
    period books it). A participant leaves the list once its commission is booked. `search` matches the
    partner's or the customer's name, or the deal's number.
    """
    closed_on = OuterRef("registration__closed_on")
    booked = LedgerLine.objects.filter(registration=OuterRef("registration"), partner=OuterRef("partner"),
                                       kind__in=[LineKind.COMMISSION, LineKind.ADJUSTMENT])
    in_force = PlanAssignment.objects.filter(partner=OuterRef("partner"), starts_on__lte=closed_on).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=closed_on))
    rows = (participants.filter(registration__status=RegistrationStatus.WON)
            .annotate(booked=Exists(booked), has_plan=Exists(in_force)).filter(booked=False))
    search = (search or "").strip()
    if search:
        matches = Q(partner__name__icontains=search) | Q(registration__customer_name__icontains=search)
        number = search.lstrip("#")
        if number.isdigit() and len(number) < 10:
            matches |= Q(registration_id=int(number))
        rows = rows.filter(matches)
    return rows.select_related("registration", "partner").order_by("-registration__closed_on", "-registration_id",
                                                                    "partner__name")
