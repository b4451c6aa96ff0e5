"""Program pages: tiers and program settings, tier reviews, FX rates and a partner's tier history in the
console; "my tier" in the portal.

Thin: config (tiers, reviews, rates) is read directly; partners, proposals and tier changes through
`for_user` / `get_scoped_or_404`, so a channel manager sees only its own partners' rows and a partner user
only its own. Every change goes through the services.
"""

from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from openprm.accounts.access import partner_required, program_admin_required, vendor_required
from openprm.accounts.scoping import get_scoped_or_404
from openprm.lib import tables
from openprm.lib.errors import DomainError
from openprm.lib.formatting import plural
from openprm.lib.forms import apply_domain_error
from openprm.lib.money import format_money, plain_decimal
from openprm.lib.pages import page_action
from openprm.lib.params import int_list_param
from openprm.lib.pickers import MAX_MATCHES, options_response, search_terms
from openprm.partners.models import Partner

from . import services
from .forms import FxRateForm, ProductForm, ProgramForm, RunReviewForm, TierForm, TierPlacementForm
from .models import FxRate, Product, Program, ScoreMethod, Tier, TierChange, TierProposal, TierReview

REVIEWS_PER_PAGE = 25
PROPOSALS_PER_PAGE = 100


def _tier_names() -> dict[str, str]:
    return dict(Tier.objects.values_list("code", "name"))


def _direction(current: str, proposed: str, ranks: dict[str, int]) -> str:
    """"up", "down", "same", or "new" (the partner had no tier yet)."""
    if not current:
        return "new"
    if current == proposed:
        return "same"
    return "up" if ranks.get(proposed, 99) < ranks.get(current, 99) else "down"


def _score_basis(program: Program) -> str:
    """What a score is, in words, with the program's own window (the method's label says 12 months)."""
    if program.score_method == ScoreMethod.SOURCED_WON_REVENUE:
        return f"partner-sourced won revenue over the last {program.score_window_days} days, in {program.currency}"
    return f"{program.get_score_method_display()}, in {program.currency}"



# ---------------------------------------------------------------- tiers and program settings

def _render_tiers(request, *, bound: TierForm | None = None, program_form: ProgramForm | None = None):
    program = Program.current()
    counts = dict(Partner.objects.for_user(request.user).values_list("tier").annotate(n=Count("pk"))
                  .values_list("tier", "n").order_by())
    can_edit = request.user.is_program_admin
    rows = []
    for tier in Tier.objects.order_by("rank"):
        form = None
        if can_edit:
            form = bound if bound is not None and bound.tier.pk == tier.pk else TierForm(tier=tier)
        rows.append({"tier": tier, "partners": counts.get(tier.code, 0), "form": form,
                     "open": bound is not None and bound.tier.pk == tier.pk,
                     "mdf": format_money(tier.mdf_budget, program.currency)})
    return render(request, "programs/tiers.html", {
        "program": program, "rows": rows, "can_edit": can_edit, "untiered": counts.get("", 0),
        "program_form": program_form or (ProgramForm(program=program) if can_edit else None),
        "program_form_open": program_form is not None, "score_basis": _score_basis(program),
    })


@vendor_required
def tiers(request):
    """The tier table with benefits and requirements; program admins edit tiers and program settings here."""
    return _render_tiers(request)


@program_admin_required
@require_POST
def tier_edit(request, code):
    tier = get_object_or_404(Tier, code=code)
    form = TierForm(request.POST, tier=tier)

    def show_form(form):
        messages.error(request, f"Tier {form.tier.name} was not saved: please correct the form below.")
        form.tier = Tier.objects.get(pk=tier.pk)  # the service may have touched the instance; show the stored tier
        return _render_tiers(request, bound=form)

    return page_action(
        request, lambda data: services.update_tier(actor=request.user, tier=tier, data=form.service_data()),
        form=form, show_form=show_form, success=lambda saved: f"Tier {saved.name} saved.",
        redirect_to=reverse("programs:console_tiers"))


@program_admin_required
@require_POST
def program_settings(request):
    form = ProgramForm(request.POST, program=Program.current())
    if form.is_valid():
        try:
            services.update_program(actor=request.user, data=form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "Program settings saved.")
            return redirect("programs:console_tiers")
    messages.error(request, "The program settings were not saved: please correct the form below.")
    return _render_tiers(request, program_form=form)


# ---------------------------------------------------------------- tier reviews

def _rank_case(field: str, ranks: dict[str, int]):
    whens = [When(**{field: code}, then=Value(rank)) for code, rank in ranks.items()]
    none = Value(None, output_field=IntegerField())
    return Case(*whens, default=none, output_field=IntegerField()) if whens else none


@vendor_required
def reviews(request):
    """Every review with its promotions and demotions (counted over the partners the user may see)."""
    page = Paginator(TierReview.objects.select_related("created_by"), REVIEWS_PER_PAGE).get_page(
        request.GET.get("page"))
    ranks = dict(Tier.objects.values_list("code", "rank"))
    stats = (TierProposal.objects.for_user(request.user).filter(review__in=[r.pk for r in page.object_list])
             .annotate(cur=_rank_case("current_tier", ranks), new=_rank_case("proposed_tier", ranks))
             .values("review_id").order_by()
             .annotate(total=Count("pk"), up=Count("pk", filter=Q(new__lt=F("cur"))),
                       down=Count("pk", filter=Q(new__gt=F("cur"))), first=Count("pk", filter=Q(current_tier="")),
                       applied=Count("pk", filter=Q(applied_at__isnull=False))))
    by_review = {row["review_id"]: row for row in stats}
    empty = {"total": 0, "up": 0, "down": 0, "first": 0, "applied": 0}
    for review in page.object_list:
        review.stats = by_review.get(review.pk, empty)
    return render(request, "programs/reviews.html", {
        "page": page, "reviews": page.object_list, "querystring": "",
        "can_run": request.user.is_program_admin, "run_form": RunReviewForm(),
        "score_basis": _score_basis(Program.current()),
    })


@program_admin_required
@require_POST
def review_run(request):
    # An invalid as-of date is flashed (RunReviewForm words it) and the list shown again.
    return page_action(
        request, lambda data: services.run_review(actor=request.user, as_of=data["as_of"]),
        form=RunReviewForm(request.POST),
        success=lambda review: (f"Tier review as of {review.as_of:%d %b %Y} proposed for "
                                f"{plural(review.partner_count, 'active partner')}. "
                                "Nothing changes until you apply it."),
        redirect_to=lambda review: (reverse("programs:console_review", args=[review.pk]) if review is not None
                                    else reverse("programs:console_reviews")))


def _review_filters(params) -> dict:
    tier_codes = set(Tier.objects.values_list("code", flat=True))
    tier = params.get("tier", "")
    return {"changes": "1" if params.get("changes") == "1" else "", "tier": tier if tier in tier_codes else ""}


def _filtered(proposals, filters):
    if filters["changes"]:
        proposals = proposals.exclude(current_tier=F("proposed_tier"))
    if filters["tier"]:
        proposals = proposals.filter(proposed_tier=filters["tier"])
    return proposals


@vendor_required
def review_detail(request, review_id):
    """The proposal table (filters, CSV), partners per proposed tier, and apply for program admins."""
    review = get_object_or_404(TierReview.objects.select_related("created_by"), pk=review_id)
    tiers_ = list(Tier.objects.order_by("rank"))
    names, ranks = {t.code: t.name for t in tiers_}, {t.code: t.rank for t in tiers_}
    scoped = TierProposal.objects.for_user(request.user).filter(review=review)
    filters = _review_filters(request.GET)
    proposals = _filtered(scoped.select_related("partner"), filters)
    if request.GET.get("format") == "csv":
        return _proposals_csv(review, proposals, names, ranks)
    page = Paginator(proposals, PROPOSALS_PER_PAGE).get_page(request.GET.get("page"))
    for p in page.object_list:
        p.current_name = names.get(p.current_tier, p.current_tier)
        p.proposed_name = names.get(p.proposed_tier, p.proposed_tier)
        p.percentile_name = names.get(p.percentile_tier, p.percentile_tier)
        p.direction = _direction(p.current_tier, p.proposed_tier, ranks)
        p.money = format_money(p.score, review.currency)
    per_tier = dict(scoped.values_list("proposed_tier").annotate(n=Count("pk")).values_list("proposed_tier", "n")
                    .order_by())
    biggest = max(per_tier.values(), default=0) or 1
    bars = [{"code": t.code, "name": t.name, "count": per_tier.get(t.code, 0),
             "width": round(per_tier.get(t.code, 0) * 100 / biggest)} for t in tiers_]
    pending = scoped.filter(applied_at__isnull=True).count()
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(request, "programs/review_detail.html", {
        "review": review, "page": page, "proposals": page.object_list, "filters": filters, "querystring": query,
        "tiers": tiers_, "bars": bars, "visible": scoped.count(), "pending": pending,
        "changing": scoped.exclude(current_tier=F("proposed_tier")).count(),
        "can_apply": request.user.is_program_admin and pending > 0,
    })


def _proposals_csv(review, proposals, names, ranks):
    return tables.csv_download(
        f"tier-review-{review.pk}-{review.as_of}.csv",
        ["partner_id", "partner", "score", "currency", "rank", "of", "percentile_tier", "current_tier",
         "proposed_tier", "change", "reason", "applied_at"],
        ([p.partner_id, p.partner.name, p.score, review.currency, p.rank, review.partner_count, p.percentile_tier,
          p.current_tier, p.proposed_tier, _direction(p.current_tier, p.proposed_tier, ranks), p.reason,
          p.applied_at or ""] for p in proposals))


@program_admin_required
@require_POST
def review_apply(request, review_id):
    """Apply to the checked partners, or to every partner still pending with "Apply all"."""
    review = get_object_or_404(TierReview, pk=review_id)
    query = urlencode({k: v for k, v in _review_filters(request.POST).items() if v})
    back = reverse("programs:console_review", args=[review.pk]) + (f"?{query}" if query else "")
    if "apply_all" in request.POST:
        partner_ids = None
    else:
        partner_ids = int_list_param(request.POST.getlist("partners"))
        if not partner_ids:
            messages.error(request, "Select the partners to apply, or use Apply all.")
            return redirect(back)
    return page_action(
        request, lambda: services.apply_review(actor=request.user, review=review, partner_ids=partner_ids),
        success=_applied_text, redirect_to=back)


def _applied_text(changes) -> str:
    if not changes:
        return "Applied. No partner's tier changed."
    text = f"Applied: {plural(len(changes), 'tier change')}; the partners are notified."
    waiting = [c for c in changes if not c.applied]
    if waiting:
        verb = "takes" if len(waiting) == 1 else "take"
        text += (f" {plural(len(waiting), 'demotion')} {verb} effect after the grace period, on "
                 f"{waiting[0].effective_on:%d %b %Y}.")
    return text


# ---------------------------------------------------------------- FX rates

@vendor_required
def fx_rates(request):
    """The latest rate of each currency (or one currency's history); program admins add rates."""
    program = Program.current()
    if request.method == "POST":
        if not request.user.is_program_admin:
            raise PermissionDenied("Only program admins set FX rates.")
        return page_action(
            request, lambda data: services.set_fx_rate(actor=request.user, **data),
            form=FxRateForm(request.POST, program_currency=program.currency),
            show_form=lambda form: _fx_rates_page(request, program, form),
            success=lambda fx: (f"Rate saved: 1 {fx.currency} = {plain_decimal(fx.rate)} {program.currency} "
                                f"from {fx.valid_on:%d %b %Y}."),
            redirect_to=reverse("programs:console_fx_rates"))
    form = FxRateForm(program_currency=program.currency) if request.user.is_program_admin else None
    return _fx_rates_page(request, program, form)


def _fx_rates_page(request, program, form):
    """The rates page; a form shown again after a refused POST answers 422."""
    latest = FxRate.objects.filter(currency=OuterRef("currency")).order_by("-valid_on")
    currencies = (FxRate.objects.values("currency").order_by("currency").annotate(
        count=Count("pk"), rate=Subquery(latest.values("rate")[:1]), valid_on=Subquery(latest.values("valid_on")[:1])))
    shown = (request.GET.get("currency") or "").upper()
    history = FxRate.objects.filter(currency=shown).order_by("-valid_on")[:100] if shown else None
    return render(request, "programs/fx_rates.html", {
        "program": program, "currencies": currencies, "form": form, "shown": shown, "history": history,
    }, status=422 if form is not None and form.is_bound else 200)


# ---------------------------------------------------------------- a partner's tier history (console)

@vendor_required
def partner_tiers(request, partner_id, placement_form=None):
    """A partner's tier changes and review scores; program admins place it in a tier by hand here."""
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    names, ranks = _tier_names(), dict(Tier.objects.values_list("code", "rank"))
    changes = list(TierChange.objects.for_user(request.user).filter(partner=partner)
                   .select_related("review", "actor"))
    for c in changes:
        c.from_name, c.to_name = names.get(c.from_tier, c.from_tier), names.get(c.to_tier, c.to_tier)
        c.direction = _direction(c.from_tier, c.to_tier, ranks)
    proposals = list(TierProposal.objects.for_user(request.user).filter(partner=partner).select_related("review")
                     .order_by("-review__as_of", "-review__created_at")[:24])
    for p in proposals:
        p.money = format_money(p.score, p.review.currency)
        p.proposed_name = names.get(p.proposed_tier, p.proposed_tier)
    can_place = request.user.is_program_admin
    return render(request, "programs/partner_tiers.html", {
        "partner": partner, "tier_name": names.get(partner.tier, ""), "changes": changes, "proposals": proposals,
        "placement_form": (placement_form or TierPlacementForm(initial={"tier": partner.tier})) if can_place else None,
    }, status=400 if placement_form is not None else 200)


@program_admin_required
@require_POST
def partner_tier_place(request, partner_id):
    """Place the partner in a tier by hand (program admins), with a reason."""
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    names = _tier_names()
    return page_action(
        request,
        lambda data: services.place_partner(actor=request.user, partner=partner, tier_code=data["tier"],
                                            reason=data["reason"]),
        form=TierPlacementForm(request.POST),
        show_form=lambda form: partner_tiers(request, partner_id, placement_form=form),
        success=lambda placed: f"{placed.name} is now {names.get(placed.tier, placed.tier)}.",
        redirect_to=reverse("programs:console_partner_tiers", args=[partner.pk]))


# ---------------------------------------------------------------- portal: my tier

@partner_required
def my_tier(request):
    """The partner's tier, benefits, latest score and rank, what the next tier takes, and its history."""
    partner = get_scoped_or_404(Partner, request.user, pk=request.user.partner_id)
    program = Program.current()
    tiers_ = list(Tier.objects.order_by("rank"))
    names, ranks = {t.code: t.name for t in tiers_}, {t.code: t.rank for t in tiers_}
    current = next((t for t in tiers_ if t.code == partner.tier), None)
    for t in tiers_:
        t.is_mine = current is not None and t.pk == current.pk
    proposal = services.latest_applied_proposal(partner)
    outlook = services.next_tier_outlook(partner=partner)
    if outlook is not None:
        for key in ("score_needed", "score_gap"):
            value = outlook[key]
            outlook[key + "_money"] = format_money(value, outlook["currency"]) if value is not None else ""
        outlook["reached"] = outlook["score_gap"] is not None and outlook["score_gap"] <= Decimal(0)
    history = list(TierChange.objects.for_user(request.user).filter(partner=partner).select_related("review"))
    for c in history:
        c.from_name, c.to_name = names.get(c.from_tier, c.from_tier), names.get(c.to_tier, c.to_tier)
        c.direction = _direction(c.from_tier, c.to_tier, ranks)
    return render(request, "programs/my_tier.html", {
        "partner": partner, "program": program, "tier": current, "tiers": tiers_, "proposal": proposal,
        "score": format_money(proposal.score, proposal.review.currency) if proposal else "",
        "outlook": outlook, "history": history, "score_basis": _score_basis(program),
    })


# ---------------------------------------------------------------- the product catalog

PRODUCTS_PER_PAGE = 50


def _products_page(request, form, *, product=None, status=200):
    products = Product.objects.all()
    shown = request.GET.get("show", "")
    if shown != "all":
        products = products.filter(active=True)
    if text := (request.GET.get("q") or "").strip():
        products = products.filter(Q(name__icontains=text) | Q(family__icontains=text))
    page = Paginator(products.order_by("name"), PRODUCTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "programs/products.html", {
        "page": page, "products": page.object_list, "form": form, "editing": product, "show": shown,
        "q": text, "querystring": urlencode({k: v for k, v in (("show", shown), ("q", text)) if v}),
        "retired_count": Product.objects.filter(active=False).count(),
    }, status=status)


@vendor_required
def products(request):
    """The product catalog: every vendor reads it; program admins add products here."""
    form = ProductForm(families=services.catalog_families(active_only=False)) if request.user.is_program_admin else None
    if request.method != "POST":
        return _products_page(request, form)
    if not request.user.is_program_admin:
        raise PermissionDenied("Only program admins keep the product catalog.")
    form = ProductForm(request.POST, families=services.catalog_families(active_only=False))
    return page_action(
        request, lambda data: services.save_product(actor=request.user, data=data), form=form,
        show_form=lambda form: _products_page(request, form, status=422),
        success=lambda product: f"{product.name} added to the catalog.",
        redirect_to=reverse("programs:console_products"))


@program_admin_required
def product_edit(request, product_id):
    """Edit a product's name, family or whether it is offered."""
    product = get_object_or_404(Product, pk=product_id)
    families = services.catalog_families(active_only=False)
    if request.method != "POST":
        form = ProductForm(initial={"name": product.name, "family": product.family, "active": product.active},
                           families=families)
        return _products_page(request, form, product=product)
    return page_action(
        request, lambda data: services.save_product(actor=request.user, product=product, data=data),
        form=ProductForm(request.POST, families=families),
        show_form=lambda form: _products_page(request, form, product=product, status=422),
        success=lambda saved: f"{saved.name} saved.", redirect_to=reverse("programs:console_products"))


@program_admin_required
@require_POST
def product_retire(request, product_id):
    """Retire a product: it is no longer offered, and what names it keeps it."""
    product = get_object_or_404(Product, pk=product_id)
    return page_action(request, lambda: services.retire_product(actor=request.user, product=product),
                       success=f"{product.name} is retired.", redirect_to=reverse("programs:console_products"))


def _product_options(request):
    """Up to 20 offered products (or, with `?kind=family`, families) containing what was typed; a comma list
    (`multi=1`) completes its last entry."""
    prefix, text = search_terms(request)
    if request.GET.get("kind") == "family":
        families = [f for f in services.catalog_families() if text.casefold() in f.casefold()]
        return options_response(families[:MAX_MATCHES], prefix)
    offered = Product.objects.filter(active=True)
    if text:
        offered = offered.filter(Q(name__icontains=text) | Q(family__icontains=text))
    return options_response(offered.order_by("name").values_list("name", flat=True)[:MAX_MATCHES], prefix)


@vendor_required
def product_pick(request):
    """htmx picker search of the catalog for console forms (plan overrides, leads, agreements)."""
    return _product_options(request)


@partner_required
def portal_product_pick(request):
    """htmx picker search of the catalog for the portal's deal registration (the catalog is no secret)."""
    return _product_options(request)
