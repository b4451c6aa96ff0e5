"""Read-only helpers of the console home (lateness and the partner list filters live in openprm.partners.queries)."""

from datetime import timedelta
from urllib.parse import urlencode

from django.db.models import Sum

from openprm.agreements.models import Agreement
from openprm.commissions.models import LedgerLine, LineStatus
from openprm.commissions.periods import period_bounds, period_key
from openprm.deals.models import DealProgram, Registration, RegistrationStatus
from openprm.deals.queries import conflict_cases_for, pipeline_totals
from openprm.deals.services import can_work_conflicts
from openprm.lib import clock
from openprm.lib.money import format_money


def deal_and_agreement_kpis(user, today) -> dict:
    """The console home's second row: what waits on the channel team in deals, conflicts and agreements,
    and the quarter's won revenue in the program currency — each over what `user` may see."""
    registrations = Registration.objects.for_user(user)
    waiting = registrations.filter(status__in=[RegistrationStatus.SUBMITTED, RegistrationStatus.CONFLICT])
    target = clock.moment() - timedelta(hours=DealProgram.current().review_target_hours)
    quarter = period_key("quarter", today)
    quarter_start, _ = period_bounds(quarter)
    won = registrations.filter(status=RegistrationStatus.WON, closed_on__gte=quarter_start, closed_on__lte=today)
    won_total = pipeline_totals(won, today).get(RegistrationStatus.WON)
    return {
        "waiting": waiting.count(),
        "past_target": waiting.filter(submitted_at__lt=target).count(),
        "open_conflicts": conflict_cases_for(user).filter(closed_at__isnull=True).count(),
        "works_conflicts": can_work_conflicts(user),
        "protected": registrations.filter(status=RegistrationStatus.APPROVED).count(),
        "won_count": won.count(),
        "won_total": won_total,
        "quarter": quarter,
        "expiring": Agreement.objects.for_user(user).expiring_within(60, today).count(),
    }


def commission_liability(user, today) -> dict:
    """Finance's home: what the program owes partners, per currency (amounts in different currencies are never
    added up): pending (still in the holding period), approved (payable), and paid this quarter."""
    quarter = period_key("quarter", today)
    quarter_start, quarter_end = period_bounds(quarter)
    lines = LedgerLine.objects.for_user(user)
    totals: dict[str, dict] = {}
    owed = (lines.filter(status__in=[LineStatus.PENDING, LineStatus.APPROVED])
            .values("currency", "status").annotate(total=Sum("amount")))
    paid = (lines.filter(status=LineStatus.PAID, paid_at__date__gte=quarter_start, paid_at__date__lte=quarter_end)
            .values("currency").annotate(total=Sum("amount")))
    for row in owed:
        totals.setdefault(row["currency"], {})[row["status"]] = row["total"]
    for row in paid:
        totals.setdefault(row["currency"], {})["paid"] = row["total"]
    rows = [{"currency": currency,
             **{key: format_money(amounts[key], currency) if key in amounts else "—"
                for key in (LineStatus.PENDING, LineStatus.APPROVED, "paid")}}
            for currency, amounts in sorted(totals.items())]
    return {"quarter": quarter, "rows": rows}


SEARCH_LIMIT = 8


def global_search(user, text: str) -> list[dict]:
    """The console's one search: partners, contacts, deal registrations, agreements and people matching
    `text`, each group over what `user` may see (`for_user`: a channel manager finds only his partners' rows),
    at most SEARCH_LIMIT rows a group with the total, each row with its link. `#123` also finds that number."""
    from django.db.models import Q
    from django.urls import reverse

    from openprm.accounts.models import User
    from openprm.lib.params import int_param
    from openprm.partners.models import Contact, Partner

    text = " ".join((text or "").split())[:100]
    if len(text) < 2 and int_param(text.lstrip("#")) is None:
        return []
    number = int_param(text.lstrip("#")) if text.startswith("#") or text.isdigit() else None
    by_id = Q(pk=number) if number is not None else Q(pk__in=[])

    def group(key, title, queryset, row, more=""):
        total = queryset.count()
        return {"key": key, "title": title, "total": total, "more": more if total > SEARCH_LIMIT else "",
                "rows": [row(obj) for obj in queryset[:SEARCH_LIMIT]]}

    partners = Partner.objects.for_user(user).filter(
        Q(name__icontains=text) | Q(legal_name__icontains=text) | Q(domain__icontains=text) | by_id).order_by("name")
    contacts = Contact.objects.for_user(user).select_related("partner").filter(
        Q(name__icontains=text) | Q(email__icontains=text) | Q(phone__icontains=text)).order_by("name")
    registrations = Registration.objects.for_user(user).select_related("partner").filter(
        Q(customer_name__icontains=text) | Q(customer_domain__icontains=text) | by_id).order_by("-submitted_at")
    agreements = Agreement.objects.for_user(user).select_related("partner").filter(
        Q(partner__name__icontains=text) | by_id).order_by("-starts_on")
    people = User.objects.for_user(user).select_related("partner").filter(
        Q(full_name__icontains=text) | Q(email__icontains=text)).order_by("full_name", "email")
    q = urlencode({"q": text})
    groups = [
        group("partners", "Partners", partners, lambda p: {
            "url": reverse("partners:console_detail", args=[p.pk]), "title": p.name,
            "detail": " · ".join(x for x in (p.get_stage_display(), p.country_name, p.domain) if x)},
            more=f"{reverse('partners:console_list')}?{q}"),
        group("contacts", "Contacts", contacts, lambda c: {
            "url": reverse("partners:console_detail", args=[c.partner_id]) + "?tab=contacts", "title": c.name,
            "detail": " · ".join(x for x in (c.job_title, c.email, c.partner.name) if x)}),
        group("registrations", "Deal registrations", registrations, lambda r: {
            "url": reverse("deals:console_detail", args=[r.pk]), "title": f"#{r.pk} {r.customer_name}",
            "detail": f"{r.partner.name} · {r.get_status_display()}"},
            more=f"{reverse('deals:console_queue')}?{q}&status="),
        group("agreements", "Agreements", agreements, lambda a: {
            "url": reverse("agreements:console_detail", args=[a.pk]),
            "title": f"{a.get_kind_display()} agreement #{a.pk}",
            "detail": f"{a.partner.name} · {a.get_status_display()}"}),
        group("people", "People", people, lambda u: {
            "url": f"{reverse('accounts:console_people')}?{urlencode({'q': u.email})}", "title": u.display_name,
            "detail": " · ".join(x for x in (u.email, u.get_role_display(), u.partner.name if u.partner else "")
                                 if x)},
            more=f"{reverse('accounts:console_people')}?{q}"),
    ]
    return [g for g in groups if g["total"]]
