"""API: tiers, tier reviews, FX rates (program admins change them; everyone signed in reads tiers)."""

from django.shortcuts import get_object_or_404
from ninja import Router, Status

from openprm.accounts.models import Role
from openprm.accounts.scoping import get_scoped_or_404
from openprm.lib.errors import NotAllowed
from openprm.partners.api import partner_queryset
from openprm.partners.models import Partner
from openprm.partners.schemas import PartnerOut

from . import services
from .models import FxRate, Tier, TierReview
from .schemas import ApplyIn, FxRateIO, ReviewIn, ReviewOut, TierOut, TierPatch, TierPlacementIn

router = Router(tags=["program"])


@router.get("/tiers", response=list[TierOut])
def list_tiers(request):
    """The program's tiers, best first, with benefits and minimum requirements."""
    return Tier.objects.order_by("rank")


@router.patch("/tiers/{code}", response=TierOut)
def patch_tier(request, code: str, payload: TierPatch):
    tier = get_object_or_404(Tier, code=code)
    return services.update_tier(actor=request.user, tier=tier, data=payload.dict(exclude_unset=True))


def _reviews(request):
    # Reviews rank every partner against the others, so they are for program admins only.
    if request.user.role != Role.ADMIN:
        raise NotAllowed("Tier reviews are for program admins.")
    return TierReview.objects.prefetch_related("proposals")


@router.post("/tier-reviews", response={201: ReviewOut})
def create_review(request, payload: ReviewIn):
    """Run a tier review as of a date (default today); nothing changes until it is applied."""
    _reviews(request)
    return Status(201, services.run_review(actor=request.user, as_of=payload.as_of))


@router.get("/tier-reviews/{review_id}", response=ReviewOut)
def get_review(request, review_id: int):
    return get_object_or_404(_reviews(request), pk=review_id)


@router.post("/tier-reviews/{review_id}/apply", response=ReviewOut)
def apply_review(request, review_id: int, payload: ApplyIn):
    """Apply the review to the listed partners, or to all when `partners` is omitted."""
    review = get_object_or_404(_reviews(request), pk=review_id)
    services.apply_review(actor=request.user, review=review, partner_ids=payload.partners)
    return get_object_or_404(_reviews(request), pk=review_id)


@router.get("/fx-rates", response=list[FxRateIO])
def list_rates(request, currency: str | None = None):
    rates = FxRate.objects.all()
    return rates.filter(currency=currency.upper()) if currency else rates


@router.post("/fx-rates", response={201: FxRateIO})
def set_rate(request, payload: FxRateIO):
    return Status(201, services.set_fx_rate(actor=request.user, currency=payload.currency,
                                            valid_on=payload.valid_on, rate=payload.rate))


@router.post("/partners/{partner_id}/tier", response=PartnerOut)
def place_partner(request, partner_id: int, payload: TierPlacementIn):
    """Place a partner in a tier by hand with a reason (program admins); kept until the next applied review."""
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    services.place_partner(actor=request.user, partner=partner, tier_code=payload.tier, reason=payload.reason)
    return get_scoped_or_404(partner_queryset(request.user), request.user, pk=partner_id)
