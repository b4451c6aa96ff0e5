"""Lead distribution: the vendor adds a lead, it is routed to the best partner, who opens, accepts or
declines it; unanswered offers route on."""

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse

from openprm.accounts.models import Role
from openprm.accounts.services import notify, relink_notifications
from openprm.agreements.services import territories_by_partner
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock
from openprm.lib.money import CURRENCIES, quantize
from openprm.lib.regions import COUNTRIES
from openprm.lib.text import InvalidDomain, parse_domain
from openprm.partners.models import Partner, Stage

from ..exceptions import InvalidDealTransition, NotAllowed, ValidationFailed
from ..models import DealProgram, Lead, LeadOffer, LeadStatus
from ._common import _check_notes, _check_products
from .access import REGISTERING_ROLES, can_create_leads
from .registration import register

TIER_RANK = {"platinum": 4, "gold": 3, "silver": 2, "bronze": 1}


def _lead_candidates(lead) -> list[tuple[int, Partner]]:
    """Active partners not yet offered this lead, best first: territory, specialization, tier, then load.

    Territory: a partner whose agreement in force names territories covers exactly those countries (the same
    rule that flags a registration outside them); without one, its home country, then its home region.
    """
    tried = set(lead.offers.values_list("partner_id", flat=True))
    region = COUNTRIES[lead.country][1]
    partners = (Partner.objects.filter(stage=Stage.ACTIVE).exclude(pk__in=tried)
                .prefetch_related("specializations")
                .annotate(open_leads=Count("leads", filter=Q(leads__status__in=[LeadStatus.UNOPENED,
                                                                                 LeadStatus.OPENED]))))
    partners = list(partners)
    agreements = territories_by_partner([p.pk for p in partners], clock.today())  # one query for all
    scored = []
    for partner in partners:
        agreed = agreements.get(partner.pk)
        if agreed:
            territory = 100 if lead.country in agreed else 0
        else:
            territory = 100 if partner.country == lead.country else 40 if partner.region == region else 0
        if territory == 0:
            continue  # routing never sends a lead outside the partner's territory
        specialized = 30 if lead.specialization and any(
            s.name.casefold() == lead.specialization.casefold() for s in partner.specializations.all()) else 0
        score = territory + specialized + 5 * TIER_RANK.get(partner.tier, 0) - 3 * partner.open_leads
        scored.append((score, partner))
    scored.sort(key=lambda pair: (-pair[0], pair[1].pk))
    return scored


def _offer_next(*, actor, lead, now, candidates=None) -> bool:
    """Offer the lead to the best remaining partner; False (and the lead ends) when none is left."""
    candidates = _lead_candidates(lead) if candidates is None else candidates
    if not candidates:
        lead.partner, lead.respond_by = None, None
        lead.status = LeadStatus.EXPIRED if lead.status in (LeadStatus.UNOPENED, LeadStatus.OPENED) else lead.status
        lead.save()
        return False
    score, partner = candidates[0]
    respond_by = now + timedelta(hours=DealProgram.current().lead_response_hours)
    LeadOffer.objects.create(lead=lead, partner=partner, offered_at=now, respond_by=respond_by, score=score)
    lead.partner, lead.status, lead.offered_at, lead.respond_by = partner, LeadStatus.UNOPENED, now, respond_by
    lead.save()
    audit.record(actor=actor, action=Action.TRANSITION, verb="lead.offered", obj=lead, partner=partner,
                 changes={"partner": [None, partner.pk]}, note=f"routing score {score}")
    notify(users=_lead_people(partner),
           subject=f"New lead for you: {lead.company_name}",
           summary=f"{lead.company_name} ({lead.get_country_display()}) is offered to you: accept or decline it "
                   f"within {DealProgram.current().lead_response_hours} hours.",
           template="deals/email/lead_offered.txt", context={"lead": lead},
           url=reverse("deals:portal_lead", args=[lead.pk]), link_label="Open the lead")
    return True


def _lead_people(partner):
    """The partner's people who see and answer its leads."""
    return partner.users.filter(role__in=[Role.PARTNER_ADMIN, Role.PARTNER_SALES], is_active=True)


def _routed_away(*, lead, partner, expired: bool) -> None:
    """The lead is no longer `partner`'s to open: its earlier "new lead" notifications now lead to the partner's
    leads list (the lead's own page is a 404 for it), and when the offer ran out unanswered the partner is
    told the lead went on. The partner it went to is never named."""
    people = list(_lead_people(partner))
    went_on = lead.partner_id is not None
    leads_list = reverse("deals:portal_leads")
    where = "it went to another partner" if went_on else "it is closed"
    relink_notifications(users=people, old_url=reverse("deals:portal_lead", args=[lead.pk]), new_url=leads_list,
                         summary=f"No longer offered to you: {where}.")
    if expired:
        notify(users=people, subject=f"Lead no longer offered to you: {lead.company_name}",
               summary=f"Nobody answered by the deadline, so {where}.",
               template="deals/email/lead_routed_away.txt", context={"lead": lead, "partner": partner,
                                                                    "went_on": went_on},
               url=leads_list, link_label="See your leads")


LEAD_FIELDS = ["company_name", "domain", "country", "contact_name", "contact_email", "products", "specialization",
               "amount", "currency", "notes"]


def _clean_lead(data: dict) -> tuple[dict, dict[str, list[str]]]:
    """A lead's values, normalized, and the problems with them (field → messages; empty when fine)."""
    errors: dict[str, list[str]] = {}
    name = (data.get("company_name") or "").strip()
    if not name:
        errors["company_name"] = ["Enter the company name."]
    elif len(name) > 200:
        errors["company_name"] = ["At most 200 characters."]
    country = (data.get("country") or "").strip().upper()
    if country not in COUNTRIES:
        errors["country"] = ["Choose a country (ISO code such as US or DE)."]
    try:
        domain = parse_domain(data.get("domain") or "")
    except InvalidDomain:
        domain = ""
        errors["domain"] = ["Enter a domain such as customer.com."]
    currency = (data.get("currency") or "USD").strip().upper()
    if currency not in CURRENCIES:
        errors["currency"] = ["Choose a currency such as USD."]
    amount = data.get("amount")
    if amount in (None, ""):
        amount = None
    else:
        try:
            amount = Decimal(str(amount).strip())
        except InvalidOperation:
            amount = None
            errors["amount"] = ["Enter an amount such as 50000.00, or leave it empty."]
        else:
            if not amount.is_finite() or amount <= 0:
                errors["amount"] = ["The amount must be greater than zero."]
            elif amount >= Decimal("1e12"):
                errors["amount"] = ["The amount is too large."]
            else:
                amount = quantize(amount, currency if currency in CURRENCIES else "USD")
    email = (data.get("contact_email") or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors["contact_email"] = ["Enter a valid e-mail address."]
    products = data.get("products") or []
    if isinstance(products, str):
        products = [p for part in products.split(";") for p in part.split(",")]
    # The same limits as a registration: an accepted lead becomes one.
    products = _check_products(products, errors)
    notes = _check_notes(data.get("notes"), errors)
    limits = {"contact_name": 150, "contact_email": 254, "specialization": 80}
    texts = {field: (data.get(field) or "").strip() for field in limits}
    for field, limit in limits.items():
        if len(texts[field]) > limit and field not in errors:
            errors[field] = [f"At most {limit} characters."]
    clean = {"company_name": name, "domain": domain, "country": country, "currency": currency, "amount": amount,
             "products": products, "notes": notes, **texts}
    return clean, errors


def _add_lead(*, actor, clean: dict, note: str = ""):
    """Save a cleaned lead, record its creation and offer it to the best partner at once."""
    lead = Lead.objects.create(created_by=actor, **clean)
    audit.record_create(actor=actor, obj=lead, verb="lead.created", fields=["company_name", "country", "domain"],
                        note=note)
    _offer_next(actor=actor, lead=lead, now=clock.moment())
    return lead


@transaction.atomic
def create_lead(*, actor, data: dict):
    """The vendor adds a lead; it is routed at once to the best partner for it."""
    if not can_create_leads(actor):
        raise NotAllowed("Leads are shared by the vendor's channel and marketing teams.")
    clean, errors = _clean_lead(data)
    if errors:
        raise ValidationFailed("Please correct the lead.", errors=errors)
    return _add_lead(actor=actor, clean=clean)


def _may_answer(actor, lead) -> bool:
    """Admins and sales reps of the partner the lead is offered to now answer it."""
    return actor.role in REGISTERING_ROLES and lead.partner_id is not None and lead.partner_id == actor.partner_id


def _locked_lead(lead, actor):
    """The lead, row-locked, when `actor` may still answer it; else NotAllowed or InvalidDealTransition."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if not _may_answer(actor, lead):
        raise NotAllowed("Only the partner the lead is offered to can answer it.")
    if lead.status not in (LeadStatus.UNOPENED, LeadStatus.OPENED):
        raise InvalidDealTransition(f"The lead is already {lead.get_status_display().lower()}.")
    return lead


@transaction.atomic
def open_lead(*, actor, lead):
    """The offered partner's admins and sales reps have looked at the lead (unopened → opened).

    Anyone else looking — a read-only partner role, vendor staff — changes nothing and is never refused:
    reading a lead must not fail because the reader cannot act on it. Later views change nothing either.
    """
    if lead.status != LeadStatus.UNOPENED or not _may_answer(actor, lead):
        return lead
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status != LeadStatus.UNOPENED or not _may_answer(actor, lead):
        return lead  # answered, or routed to someone else, in the meantime
    lead.status = LeadStatus.OPENED
    lead.save(update_fields=["status"])
    audit.record(actor=actor, action=Action.TRANSITION, verb="lead.opened", obj=lead, partner=lead.partner,
                 changes={"status": [LeadStatus.UNOPENED, LeadStatus.OPENED]})
    return lead


@transaction.atomic
def accept_lead(*, actor, lead, expected_close_date: date | None = None, amount=None, currency: str | None = None):
    """The partner accepts: the lead becomes its registration (matched like any other registration).

    The registration's estimated amount is `amount` (in `currency`, default the lead's), else the lead's own;
    a lead without an amount cannot be accepted without one.
    """
    lead = _locked_lead(lead, actor)
    now = clock.moment()
    if lead.respond_by and lead.respond_by < now:
        raise InvalidDealTransition("The time to answer this lead has passed.")
    if amount in (None, ""):
        amount, currency = lead.amount, lead.currency
    if amount is None:
        raise ValidationFailed("Enter the deal's estimated amount.", errors={
            "amount": ["The vendor gave no amount for this lead; enter the deal's estimated amount."]})
    registration = register(actor=actor, partner=lead.partner, data={
        "customer_name": lead.company_name, "customer_domain": lead.domain, "customer_country": lead.country,
        "contact_name": lead.contact_name, "contact_email": lead.contact_email, "products": lead.products,
        "amount": amount, "currency": currency or lead.currency,
        "notes": f"From lead #{lead.pk}. {lead.notes}".strip(),
        "expected_close_date": expected_close_date or (clock.today() + timedelta(days=90)),
    })
    before = lead.status
    lead.status, lead.registration = LeadStatus.ACCEPTED, registration
    lead.save(update_fields=["status", "registration"])
    lead.offers.filter(partner=lead.partner, ended_at__isnull=True).update(outcome="accepted", ended_at=now)
    audit.record(actor=actor, action=Action.TRANSITION, verb="lead.accepted", obj=lead, partner=lead.partner,
                 changes={"status": [before, LeadStatus.ACCEPTED], "registration": [None, registration.pk]})
    return lead


@transaction.atomic
def decline_lead(*, actor, lead, reason: str):
    """The partner declines (with a reason); the lead routes on to the next partner.

    The audit event records the lead's real new status: unopened when it went to another partner (who is not
    named: the declining partner reads this history), declined when no partner was left to offer it to.
    """
    lead = _locked_lead(lead, actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give the reason.", errors={"reason": ["Why not this lead?"]})
    now = clock.moment()
    partner, before = lead.partner, lead.status
    lead.offers.filter(partner=partner, ended_at__isnull=True).update(outcome="declined", reason=reason, ended_at=now)
    candidates = _lead_candidates(lead)
    after = LeadStatus.UNOPENED if candidates else LeadStatus.DECLINED
    audit.record(actor=actor, action=Action.TRANSITION, verb="lead.declined", obj=lead, partner=partner,
                 changes={"status": [before, after]},
                 note=reason + ("" if candidates else " No other partner covers the lead; it ends here."))
    lead.status = LeadStatus.DECLINED
    _offer_next(actor=actor, lead=lead, now=now, candidates=candidates)
    _routed_away(lead=lead, partner=partner, expired=False)
    return lead


def route_expired_leads(*, now=None) -> int:
    """Leads not answered by their deadline route on to the next partner (or expire when none is left)."""
    now = now or clock.moment()
    routed = 0
    overdue = Lead.objects.filter(status__in=[LeadStatus.UNOPENED, LeadStatus.OPENED], respond_by__lt=now)
    for pk in overdue.values_list("pk", flat=True):
        with transaction.atomic():
            lead = Lead.objects.select_for_update().get(pk=pk)
            if lead.status not in (LeadStatus.UNOPENED, LeadStatus.OPENED) or lead.respond_by >= now:
                continue
            lead.offers.filter(partner_id=lead.partner_id, ended_at__isnull=True).update(outcome="expired",
                                                                                       ended_at=now)
            audit.record(actor="system", action=Action.TRANSITION, verb="lead.offer_expired", obj=lead,
                         partner=lead.partner, note=f"no answer by {lead.respond_by:%Y-%m-%d %H:%M} UTC")
            partner = lead.partner
            _offer_next(actor="system", lead=lead, now=now)
            _routed_away(lead=lead, partner=partner, expired=True)
            routed += 1
    return routed
