"""Tier-review scores computed from deals (registered in settings.TIER_SCORE_METHODS)."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Sum

from openprm.programs.services import convert

from .models import Participant, ParticipantRole, RegistrationStatus


def sourced_won_revenue(*, partner_ids: list[int], start: date, end: date) -> dict[int, Decimal]:
    """Partner-sourced won revenue closed in (start, end], credited by split, in the program currency.

    One grouped query (partner × currency × close date) does the summing; only the currency conversion,
    which needs the rate of each day, runs per group.
    """
    credited = ExpressionWrapper(F("registration__won_amount") * F("split_percent") / 100,
                                 output_field=DecimalField(max_digits=20, decimal_places=6))
    rows = (Participant.objects
            .filter(partner_id__in=partner_ids, role=ParticipantRole.SOURCED,
                    registration__status=RegistrationStatus.WON,
                    registration__closed_on__gt=start, registration__closed_on__lte=end)
            .values("partner_id", "registration__won_currency", "registration__closed_on")
            .annotate(total=Sum(credited)).order_by())
    scores: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        # SQLite may hand back a float for the product; Decimal(str()) keeps what it printed, no binary noise.
        total = row["total"] if isinstance(row["total"], Decimal) else Decimal(str(row["total"]))
        scores[row["partner_id"]] += convert(total, row["registration__won_currency"],
                                             row["registration__closed_on"])
    return dict(scores)
