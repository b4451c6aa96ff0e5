"""Every change to the program: tiers, FX rates, tier reviews (score → rank → percentile → requirements)."""

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.module_loading import import_string

from openprm.accounts.models import Role
from openprm.accounts.services import notify
from openprm.audit import services as audit
from openprm.audit.models import Action
from openprm.lib import clock
from openprm.lib.errors import field_errors_from_django
from openprm.lib.formatting import plural
from openprm.lib.money import CURRENCIES
from openprm.partners.models import Partner, Stage

from .exceptions import Conflict, MissingFxRate, NotAllowed, ValidationFailed
from .models import FxRate, Product, Program, ReviewStatus, Tier, TierChange, TierProposal, TierReview

TIER_FIELDS = ["name", "rank", "top_percent", "discount_min", "discount_max", "manager_coverage", "support_level",
               "sla_multiplier", "mdf_budget", "review_cadence", "beta_access", "roadmap_input",
               "executive_engagement", "other_benefits", "min_certified_people", "requires_active_agreement"]


def _require_admin(actor) -> None:
    if actor is None or actor.role != Role.ADMIN:
        raise NotAllowed("Only program admins configure the program.")


# ---------------------------------------------------------------- FX rates

def rate_on(currency: str, on: date) -> Decimal:
    """The program-currency value of one unit of `currency` on `on` (latest rate on or before it)."""
    program_currency = Program.current().currency
    if currency == program_currency:
        return Decimal(1)
    rate = FxRate.objects.filter(currency=currency, valid_on__lte=on).order_by("-valid_on").first()
    if rate is None:
        raise MissingFxRate(f"No FX rate for {currency} → {program_currency} on or before {on}. Add one first.",
                            errors={"fx_rate": [f"Missing rate for {currency} on {on}."]},
                            currency=currency, date=str(on))
    return rate.rate


def rate_lookup():
    """A memoized `rate_on` for a page of totals: (currency, day) → rate, or None when no rate is stored, so the
    page can name the missing currency instead of failing (and never takes it as 1.0)."""
    cache: dict[tuple[str, date], Decimal | None] = {}

    def lookup(currency: str, on: date) -> Decimal | None:
        if (currency, on) not in cache:
            try:
                cache[currency, on] = rate_on(currency, on)
            except MissingFxRate:
                cache[currency, on] = None
        return cache[currency, on]

    return lookup


def convert(amount: Decimal, currency: str, on: date) -> Decimal:
    """`amount` in the program currency at full precision (round only when storing a result)."""
    return amount * rate_on(currency, on)


@transaction.atomic
def set_fx_rate(*, actor, currency: str, valid_on: date, rate) -> FxRate:
    """Store (or correct) the rate of a currency for a day."""
    _require_admin(actor)
    currency = (currency or "").upper()
    errors = {}
    if currency not in CURRENCIES:
        errors["currency"] = ["Unknown currency."]
    elif currency == Program.current().currency:
        errors["currency"] = ["The program currency needs no rate."]
    try:
        rate = Decimal(str(rate))
        if not rate.is_finite() or rate <= 0:
            errors["rate"] = ["The rate must be greater than zero."]
    except InvalidOperation:
        errors["rate"] = ["Enter a number such as 1.0825."]
    if errors:
        raise ValidationFailed("Please correct the rate.", errors=errors)
    existing = FxRate.objects.filter(currency=currency, valid_on=valid_on).first()
    before = existing.rate if existing else None
    fx, _ = FxRate.objects.update_or_create(currency=currency, valid_on=valid_on, defaults={"rate": rate})
    audit.record(actor=actor, action=Action.UPDATE if existing else Action.CREATE, verb="fx_rate.set", obj=fx,
                 changes={"rate": [before, rate]})
    return fx


# ---------------------------------------------------------------- tiers

@transaction.atomic
def update_tier(*, actor, tier: Tier, data: dict) -> Tier:
    """Change a tier's benefits, cut-off or requirements."""
    from django.core.exceptions import ValidationError

    _require_admin(actor)
    unknown = set(data) - set(TIER_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", errors={k: ["Unknown field."] for k in unknown})
    # An explicit null is only a value where the model allows one (the catch-all tier's open cut-off).
    nulls = {k: ["This field cannot be empty."] for k, v in data.items()
             if v is None and not Tier._meta.get_field(k).null}
    if nulls:
        raise ValidationFailed("Please correct the tier.", errors=nulls)
    before = audit.snapshot(tier, TIER_FIELDS)
    for field, value in data.items():
        setattr(tier, field, value)
    if tier.discount_min > tier.discount_max:
        raise ValidationFailed("Invalid range.", errors={"discount_min": ["Must not exceed the maximum."]})
    try:
        tier.full_clean()
    except ValidationError as exc:
        raise ValidationFailed("Please correct the tier.", errors=field_errors_from_django(exc)) from None
    tier.save()
    changes = audit.diff(before, audit.snapshot(tier, TIER_FIELDS))
    if changes:
        audit.record(actor=actor, action=Action.UPDATE, verb="tier.updated", obj=tier, changes=changes)
    return tier


# ---------------------------------------------------------------- placement (pure)

def competition_ranks(scores: dict[int, Decimal]) -> dict[int, int]:
    """1 + how many partners scored strictly more: equal scores share the better rank."""
    ordered = sorted(scores.values(), reverse=True)
    first_index = {}
    for index, value in enumerate(ordered):
        first_index.setdefault(value, index)
    return {partner_id: first_index[score] + 1 for partner_id, score in scores.items()}


def percentile_tier(rank: int, count: int, score: Decimal, tiers: list[Tier]) -> Tier:
    """The best tier whose cut-off the partner's rank/N meets; a score of 0 is always the catch-all tier."""
    catch_all = [t for t in tiers if t.top_percent is None] or [tiers[-1]]
    if score <= 0:
        return catch_all[0]
    percentile = Decimal(rank) * 100 / Decimal(count)
    for tier in tiers:  # best first
        if tier.top_percent is not None and percentile <= tier.top_percent:
            return tier
    return catch_all[0]


def requirement_gaps(tier: Tier, facts: dict) -> list[str]:
    """What the partner lacks for `tier` ([] when it meets every minimum requirement)."""
    gaps = []
    certified = facts.get("certified_people", 0)
    if certified < tier.min_certified_people:
        gaps.append(f"{tier.min_certified_people} certified people (has {certified})")
    if tier.requires_active_agreement and not facts.get("active_agreement", False):
        gaps.append("an active agreement")
    return gaps


# ---------------------------------------------------------------- review

def _scores(program: Program, partner_ids: list[int], as_of: date) -> dict[int, Decimal]:
    method = import_string(settings.TIER_SCORE_METHODS[program.score_method])
    start = as_of - timedelta(days=program.score_window_days)
    return method(partner_ids=partner_ids, start=start, end=as_of)


def _requirement_facts(partner_ids: list[int], as_of: date) -> dict[int, dict]:
    """Facts the minimum requirements test, gathered from the apps that know them (see settings)."""
    facts = {pk: {} for pk in partner_ids}
    for name, path in settings.TIER_REQUIREMENT_FACTS.items():
        values = import_string(path)(partner_ids=partner_ids, as_of=as_of)
        for pk in partner_ids:
            facts[pk][name] = values.get(pk, 0)
    return facts


@transaction.atomic
def run_review(*, actor, as_of: date | None = None) -> TierReview:
    """Score, rank and place every active partner; returns a proposal that an admin applies."""
    if actor is not None:
        _require_admin(actor)
    as_of = as_of or clock.today()
    program = Program.current()
    tiers = list(Tier.objects.order_by("rank"))
    if not tiers:
        raise ValidationFailed("Configure the program's tiers first.")
    partners = list(Partner.objects.filter(stage=Stage.ACTIVE).values_list("pk", "tier"))
    ids = [pk for pk, _ in partners]
    scores = {pk: Decimal(0) for pk in ids}
    scores.update(_scores(program, ids, as_of))
    ranks = competition_ranks(scores)
    facts = _requirement_facts(ids, as_of)
    review = TierReview.objects.create(as_of=as_of, created_by=actor, currency=program.currency,
                                       partner_count=len(ids))
    proposals = []
    for pk, current in partners:
        by_percentile = percentile_tier(ranks[pk], len(ids), scores[pk], tiers)
        reasons = [f"score {scores[pk]:,.2f} {program.currency}, rank {ranks[pk]} of {len(ids)} "
                   f"→ {by_percentile.name} by percentile"]
        placed = by_percentile
        for tier in [t for t in tiers if t.rank >= by_percentile.rank]:
            gaps = requirement_gaps(tier, facts[pk])
            placed = tier
            if not gaps:
                break
            reasons.append(f"not {tier.name}: needs {', '.join(gaps)}")
        proposals.append(TierProposal(review=review, partner_id=pk, score=scores[pk].quantize(Decimal("0.01")),
                                      rank=ranks[pk], current_tier=current or "", percentile_tier=by_percentile.code,
                                      proposed_tier=placed.code, reason="; ".join(reasons)))
    TierProposal.objects.bulk_create(proposals)
    audit.record(actor=actor or "system", action=Action.CREATE, verb="tier_review.created", obj=review,
                 note=f"{len(ids)} active partners as of {as_of}")
    return review


@transaction.atomic
def apply_review(*, actor, review: TierReview, partner_ids: Iterable[int] | None = None) -> list[TierChange]:
    """Apply the review to all partners or the listed ones: tier changes with history and notifications.

    A demotion waits for the program's grace days when they are set.
    """
    _require_admin(actor)
    review = TierReview.objects.select_for_update().get(pk=review.pk)
    proposals = review.proposals.select_related("partner").filter(applied_at__isnull=True)
    if partner_ids is not None:
        wanted = set(partner_ids)
        unknown = wanted - set(review.proposals.values_list("partner_id", flat=True))
        if unknown:
            raise ValidationFailed("Partners not in this review.",
                                   errors={"partners": [f"Not in the review: {sorted(unknown)}."]})
        proposals = proposals.filter(partner_id__in=wanted)
    if not proposals.exists():
        raise Conflict("Nothing left to apply in this review.")
    ranks = dict(Tier.objects.values_list("code", "rank"))
    grace = Program.current().demotion_grace_days
    today, now = clock.today(), clock.moment()
    changes = []
    for proposal in proposals:
        partner = proposal.partner
        proposal.applied_at = now
        proposal.save(update_fields=["applied_at"])
        if partner.tier == proposal.proposed_tier:
            continue
        demotion = bool(partner.tier) and ranks.get(proposal.proposed_tier, 99) > ranks.get(partner.tier, 99)
        waits = demotion and grace > 0
        change = TierChange.objects.create(
            partner=partner, from_tier=partner.tier, to_tier=proposal.proposed_tier, review=review, actor=actor,
            reason=proposal.reason, effective_on=today + timedelta(days=grace) if waits else today,
            applied=not waits)
        if not waits:
            _set_tier(actor=actor, partner=partner, tier_code=proposal.proposed_tier, reason=proposal.reason)
        else:
            audit.record(actor=actor, action=Action.UPDATE, verb="partner.demotion_scheduled", obj=partner,
                         partner=partner, note=f"to {proposal.proposed_tier} on {change.effective_on}")
        changes.append(change)
    remaining = review.proposals.filter(applied_at__isnull=True).exists()
    review.status = ReviewStatus.PARTLY_APPLIED if remaining else ReviewStatus.APPLIED
    review.save(update_fields=["status"])
    audit.record(actor=actor, action=Action.TRANSITION, verb="tier_review.applied", obj=review,
                 changes={"status": [ReviewStatus.PROPOSED, review.status]}, note=plural(len(changes), "tier change"))
    return changes


def _set_tier(*, actor, partner: Partner, tier_code: str, reason: str) -> None:
    previous = partner.tier
    Partner.objects.filter(pk=partner.pk).update(tier=tier_code, updated_at=clock.moment())
    partner.tier = tier_code
    audit.record(actor=actor or "system", action=Action.TRANSITION, verb="partner.tier_changed", obj=partner,
                 partner=partner, changes={"tier": [previous or None, tier_code]}, note=reason)
    names = dict(Tier.objects.values_list("code", "name"))
    tier, was = names.get(tier_code, tier_code), names.get(previous, previous)
    notify(users=partner.users.filter(role=Role.PARTNER_ADMIN, is_active=True),
           subject=f"{partner.name} is now {tier}",
           summary=f"{partner.name} moved from {was} to {tier}." if was else f"{partner.name} is now {tier}.",
           template="programs/email/tier_changed.txt",
           context={"partner": partner, "tier": tier, "previous": was},
           url=reverse("programs:portal_tier"), link_label="See your tier")


@transaction.atomic
def place_partner(*, actor, partner: Partner, tier_code: str, reason: str) -> Partner:
    """A program admin places a partner in a tier by hand, with a reason: a strategic decision between reviews.

    It is kept until the next applied review (which proposes from scores again), and it cancels a demotion
    still waiting for its grace period, which would otherwise undo the decision when it falls due.
    """
    _require_admin(actor)
    reason = (reason or "").strip()
    errors = {}
    if not Tier.objects.filter(code=tier_code).exists():
        codes = ", ".join(Tier.objects.order_by("rank").values_list("code", flat=True))
        errors["tier"] = [f"No tier {tier_code!r}; choose one of: {codes}."]
    if not reason:
        errors["reason"] = ["Say why the partner is placed by hand."]
    elif len(reason) > 2000:
        errors["reason"] = ["At most 2,000 characters."]
    if errors:
        raise ValidationFailed("Please correct the tier placement.", errors=errors)
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    if partner.stage == Stage.TERMINATED:
        raise Conflict("A terminated partner has no tier to change.")
    if partner.tier == tier_code:
        raise Conflict(f"{partner.name} is already in this tier.", errors={"tier": ["This is the current tier."]})
    waiting = TierChange.objects.filter(partner=partner, applied=False)
    for pending in waiting:
        audit.record(actor=actor, action=Action.UPDATE, verb="partner.demotion_canceled", obj=partner,
                     partner=partner, note=f"to {pending.to_tier} on {pending.effective_on}: placed by hand")
    waiting.delete()
    TierChange.objects.create(partner=partner, from_tier=partner.tier, to_tier=tier_code, review=None, actor=actor,
                              reason=f"Placed by hand: {reason}", effective_on=clock.today(), applied=True)
    _set_tier(actor=actor, partner=partner, tier_code=tier_code, reason=f"Placed by hand: {reason}")
    return partner


def apply_due_demotions(*, today: date | None = None) -> int:
    """Demotions whose grace period has ended take effect (scheduled job)."""
    today = today or clock.today()
    done = 0
    for change in TierChange.objects.filter(applied=False, effective_on__lte=today).select_related("partner"):
        with transaction.atomic():
            _set_tier(actor=None, partner=change.partner, tier_code=change.to_tier,
                      reason=f"Grace period ended ({change.reason})")
            TierChange.objects.filter(pk=change.pk).update(applied=True)
            done += 1
    return done


# ---- pages

PROGRAM_FIELDS = ["name", "currency", "score_window_days", "demotion_grace_days"]


@transaction.atomic
def update_program(*, actor, data: dict) -> Program:
    """Change the program settings (name, currency, score window, demotion grace), with an audit event."""
    from django.core.exceptions import ValidationError

    _require_admin(actor)
    unknown = set(data) - set(PROGRAM_FIELDS)
    if unknown:
        raise ValidationFailed("Unknown fields.", errors={k: ["Unknown field."] for k in unknown})
    program = Program.current()
    before = audit.snapshot(program, PROGRAM_FIELDS)
    for field, value in data.items():
        setattr(program, field, value)
    if isinstance(program.currency, str):
        program.currency = program.currency.upper()
    try:
        program.full_clean()
    except ValidationError as exc:
        raise ValidationFailed("Please correct the program settings.",
                               errors=field_errors_from_django(exc)) from None
    program.save()
    changes = audit.diff(before, audit.snapshot(program, PROGRAM_FIELDS))
    if changes:
        audit.record(actor=actor, action=Action.UPDATE, verb="program.updated", obj=program, changes=changes)
    return program


def latest_applied_proposal(partner) -> TierProposal | None:
    """The partner's proposal in the most recent review that was applied to it (None: not yet reviewed)."""
    return (TierProposal.objects.for_partner(partner).filter(applied_at__isnull=False)
            .select_related("review").order_by("-review__as_of", "-review__created_at", "-review_id").first())


def next_tier_outlook(*, partner, as_of: date | None = None) -> dict | None:
    """What `partner` needs to reach the tier above its own (None when it is in the top tier).

    The score cut-off is not a fixed number: it is the score of the partner at the last rank inside the next
    tier's percentile cut-off in the latest review applied to this partner. `score_needed` is that score
    (None when nobody reached the tier then), `score_gap` how much more the partner must score, and `gaps`
    the next tier's minimum requirements the partner does not meet today.
    """
    tiers = list(Tier.objects.order_by("rank"))
    current = next((t for t in tiers if t.code == partner.tier), None)
    if current is None:
        # Untiered: the catch-all tier comes with the first review; aim at the lowest tier with a cut-off.
        candidates = [t for t in tiers if t.top_percent is not None]
        target = candidates[-1] if candidates else None
    else:
        above = [t for t in tiers if t.rank < current.rank]
        target = above[-1] if above else None
    if target is None:
        return None
    proposal = latest_applied_proposal(partner)
    score_needed = score_gap = None
    if proposal is not None:
        inside = [t.code for t in tiers if t.rank <= target.rank]
        last_inside = (proposal.review.proposals.filter(percentile_tier__in=inside, score__gt=0)
                       .order_by("score").values_list("score", flat=True).first())
        if last_inside is not None:
            score_needed = last_inside
            score_gap = max(Decimal(0), last_inside - proposal.score)
    as_of = as_of or clock.today()
    facts = _requirement_facts([partner.pk], as_of)[partner.pk]
    return {"tier": target, "score_needed": score_needed, "score_gap": score_gap,
            "currency": proposal.review.currency if proposal else Program.current().currency,
            "review": proposal.review if proposal else None, "gaps": requirement_gaps(target, facts)}


# ---------------------------------------------------------------- the product catalog

PRODUCT_FIELDS = ["name", "family", "active"]


def _clean_product(data: dict, current: Product | None) -> dict:
    """Name (required, unique ignoring case), family (optional), active — every problem at once."""
    errors: dict[str, list[str]] = {}
    unknown = set(data) - set(PRODUCT_FIELDS)
    for field in unknown:
        errors[field] = ["Unknown field."]
    name = " ".join(str(data.get("name", current.name if current else "") or "").split())
    family = " ".join(str(data.get("family", current.family if current else "") or "").split())
    if not name:
        errors["name"] = ["Name the product."]
    elif len(name) > 120:
        errors["name"] = ["At most 120 characters."]
    elif Product.objects.filter(name__iexact=name).exclude(pk=current.pk if current else None).exists():
        errors["name"] = ["Another product already has this name."]
    if len(family) > 120:
        errors["family"] = ["At most 120 characters."]
    if errors:
        raise ValidationFailed("Please correct the product.", errors=errors)
    return {"name": name, "family": family,
            "active": bool(data.get("active", current.active if current else True))}


@transaction.atomic
def save_product(*, actor, data: dict, product: Product | None = None) -> Product:
    """Add a product to the catalog, or edit one (its name, family, or whether it is offered)."""
    _require_admin(actor)
    if product is not None:
        product = Product.objects.select_for_update().get(pk=product.pk)
    clean = _clean_product(data, product)
    if product is None:
        product = Product.objects.create(**clean)
        audit.record_create(actor=actor, obj=product, verb="product.created", fields=PRODUCT_FIELDS)
        return product
    before = {field: getattr(product, field) for field in PRODUCT_FIELDS}
    for field, value in clean.items():
        setattr(product, field, value)
    product.save()
    changes = audit.diff(before, {field: getattr(product, field) for field in PRODUCT_FIELDS})
    if changes:
        audit.record(actor=actor, action=Action.UPDATE, verb="product.updated", obj=product, changes=changes)
    return product


@transaction.atomic
def retire_product(*, actor, product: Product) -> Product:
    """Stop offering a product; what already names it keeps it."""
    _require_admin(actor)
    product = Product.objects.select_for_update().get(pk=product.pk)
    if not product.active:
        raise Conflict(f"{product.name} is already retired.")
    product.active = False
    product.save(update_fields=["active"])
    audit.record(actor=actor, action=Action.TRANSITION, verb="product.retired", obj=product,
                 changes={"active": [True, False]})
    return product


def catalog_families(*, active_only: bool = True) -> list[str]:
    """The families of the catalog's products, sorted (those of offered products unless `active_only` is off)."""
    products = Product.objects.exclude(family="")
    if active_only:
        products = products.filter(active=True)
    return sorted(set(products.values_list("family", flat=True)), key=str.casefold)
