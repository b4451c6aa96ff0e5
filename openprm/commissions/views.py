"""Commission pages: the vendor's under /console/commissions/, the partner's under /portal/earnings/.

Thin: partner-owned rows (lines, assignments, payout items, partners) are read through `for_user` /
`get_scoped_or_404`; vendor configuration (plans, payout batches) only behind the admin/finance check;
every change goes through `services`.
"""

from collections import defaultdict
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_POST

from openprm.accounts.access import partner_required, vendor_required
from openprm.accounts.models import Role
from openprm.accounts.scoping import get_scoped_or_404
from openprm.deals.models import Participant, Registration
from openprm.idempotency.services import spend_form_token
from openprm.lib import clock
from openprm.lib.bulk import bulk_action
from openprm.lib.errors import DomainError
from openprm.lib.formatting import plural
from openprm.lib.money import CURRENCIES, format_money, plain_decimal, quantize
from openprm.lib.pages import page_action
from openprm.lib.params import int_param
from openprm.lib.pickers import picked_id, picked_text
from openprm.partners.models import Partner
from openprm.programs.models import Program

from . import calc, exports, queries, services
from .exports import payout_csv
from .forms import (
    AssignForm,
    LineBulkForm,
    PaidForm,
    PartnerPlanForm,
    PayoutDetailsForm,
    PayoutForm,
    PlanForm,
    PortalStatementForm,
    PreviewForm,
    ReasonForm,
    RecalculationForm,
    RefundForm,
    RewardForm,
    SpiffForm,
    StatementForm,
    TargetForm,
    current_quarter,
)
from .models import (
    Basis,
    CommissionPlan,
    CommissionSettings,
    LedgerLine,
    LineKind,
    LineStatus,
    Payout,
    PayoutDetails,
    PayoutItem,
    PayoutStatus,
    PlanAssignment,
    PlanType,
    QuarterlyTarget,
    RecalculationRun,
    RecalculationStatus,
    Spiff,
)
from .periods import period_bounds, period_key
from .statements import earnings_summary, statement

PER_PAGE = 50
MONEY_ROLES = (Role.ADMIN, Role.FINANCE)
LEDGER_ROLES = (Role.ADMIN, Role.FINANCE, Role.CHANNEL_MANAGER)


def _money_role(request) -> None:
    """Plans, payouts, holds and refunds are for program admins and finance."""
    if request.user.role not in MONEY_ROLES:
        raise PermissionDenied("This is for program admins and finance.")


def _ledger_role(request) -> None:
    """Channel managers read their partners' lines and statements; admins and finance read all."""
    if request.user.role not in LEDGER_ROLES:
        raise PermissionDenied("Commissions are for program admins, finance and channel managers.")


def _spending(request, form, write):
    """`write(cleaned_data)` after spending the form's one-time token, in one transaction: a second submit of
    the same rendered form books nothing."""
    def call(data):
        with transaction.atomic():
            spend_form_token(actor=request.user, token=data.get("form_token"), path=request.path)
            return write(data)

    return call


def _for_chosen_partner(request, write):
    """`write(partner, cleaned_data)` for the partner picked in the form, loaded through the viewer's scope (one
    the viewer may not see is a 404, as everywhere)."""
    def call(data):
        return write(get_scoped_or_404(Partner, request.user, pk=data["partner"].pk), data)

    return call


def _with_money(lines):
    """Each line carries its amount formatted with its currency (`line.money`)."""
    lines = list(lines)
    for line in lines:
        line.money = format_money(line.amount, line.currency)
    return lines


def _totals(lines) -> list[tuple[str, str]]:
    rows = lines.values("currency").annotate(total=Sum("amount")).order_by("currency")
    return [(row["currency"], format_money(row["total"] or Decimal(0), row["currency"])) for row in rows]


def _filter_lines(request, lines, names):
    """Apply the GET filters in `names` to `lines`; returns (lines, filters, problems)."""
    filters = {name: request.GET.get(name, "").strip() for name in names}
    problems = []
    if "partner" in filters and (pid := picked_id(filters["partner"])) is not None:
        lines = lines.filter(partner_id=pid)
    if filters.get("status") in LineStatus.values:
        lines = lines.filter(status=filters["status"])
    if filters.get("kind") in LineKind.values:
        lines = lines.filter(kind=filters["kind"])
    if filters.get("currency", "").upper() in CURRENCIES:
        lines = lines.filter(currency=filters["currency"].upper())
    if "registration" in filters and (rid := int_param(filters["registration"])) is not None:
        lines = lines.filter(registration_id=rid)
    if filters.get("period"):
        try:
            start, end = period_bounds(filters["period"])
        except ValueError as exc:
            problems.append(str(exc))
        else:
            lines = lines.filter(accrued_on__range=(start, end))
    return lines, filters, problems


# ---------------------------------------------------------------- plans

@vendor_required
def plan_list(request):
    _money_role(request)
    plans = CommissionPlan.objects.annotate(partners=Count("assignments__partner", distinct=True)).order_by("name")
    return render(request, "commissions/plan_list.html", {"plans": plans})


@vendor_required
def plan_new(request):
    """The plan editor: every plan type's settings, with a live preview of what a sample deal earns."""
    _money_role(request)
    if request.method != "POST":
        return _plan_editor(request, PlanForm())
    form = PlanForm(request.POST)
    return page_action(
        request, lambda data: services.create_plan(actor=request.user, data=form.service_data()),
        form=form, show_form=lambda form: _plan_editor(request, form),
        success=lambda plan: f"Plan “{plan.name}” created. Assign it to partners below.",
        redirect_to=lambda plan: reverse("commissions:console_plan", args=[plan.pk]) if plan
        else reverse("commissions:console_plan_new"))


def _plan_editor(request, form):
    return render(request, "commissions/plan_edit.html", {
        "form": form, "preview_form": PreviewForm(request.POST or None),
        "preview": _preview(form, PreviewForm(request.POST or None)),
    })


@vendor_required
def plan_preview(request):
    """htmx: what the plan being edited pays on a sample deal (and a sample period). Writes nothing."""
    _money_role(request)
    data = request.POST if request.method == "POST" else request.GET
    return render(request, "commissions/_preview.html",
                  {"preview": _preview(PlanForm(data), PreviewForm(data))})


def _preview(form: PlanForm, preview_form: PreviewForm) -> dict:
    """Compute examples with `calc` from whatever part of the form is valid; never touches the ledger."""
    if not form.is_bound:
        return {}
    # Validated once (not again: that would drop a refusal already placed on the form), whatever the outcome:
    # cleaned_data keeps every valid field, enough for a partial preview; the form shows its own errors.
    _ = form.errors, preview_form.errors
    d = getattr(form, "cleaned_data", {})
    p = getattr(preview_form, "cleaned_data", {})
    kind, currency = d.get("type"), d.get("currency") or "USD"
    sample = p.get("sample")
    sample = Decimal("250000") if sample is None else sample
    factor = (d.get("influenced_factor_percent") if d.get("influenced_factor_percent") is not None
              else Decimal(50)) / calc.HUNDRED
    result = {"sample": format_money(sample, currency), "currency": currency, "rows": [], "problems": []}

    def money(value):
        return format_money(quantize(value, currency), currency)

    def _pct(rate):
        return f"{plain_decimal(rate)}%"

    if kind == PlanType.REVENUE_SHARE:
        rate = d.get("rate_percent")
        if rate is None:
            result["problems"].append("Give the rate to see what a deal earns.")
            return result
        earned = sample * rate / calc.HUNDRED
        result["headline"] = f"A {result['sample']} deal earns {money(earned)}"
        result["detail"] = f"{sample:,.2f} × {_pct(rate)} (plan rate)"
        result["influenced"] = money(earned * factor)
    elif kind == PlanType.TIERED:
        try:
            bands = calc.parse_bands(d.get("bands") or [])
        except (KeyError, TypeError, ValueError, ArithmeticError):
            bands = []
        problems = calc.validate_bands(bands)
        if problems:
            result["problems"] = problems
            return result
        result["bands"] = [(b.label(), _pct(b.rate)) for b in bands]
        if d.get("basis") == Basis.PERIOD_VOLUME:
            sequence = p.get("sequence") or [Decimal(80000), Decimal(70000), Decimal(400000)]
            retroactive = bool(d.get("retroactive"))
            for mode, is_retro in (("marginal", False), ("retroactive", True)):
                earnings = calc.period_volume([(i, v) for i, v in enumerate(sequence)], bands, retroactive=is_retro,
                                              fmt=lambda v: f"{v:,.2f}")
                rows, total = [], Decimal(0)
                for earning in earnings:
                    commission, adjustment = quantize(earning.commission, currency), quantize(earning.adjustment,
                                                                                              currency)
                    total += commission + adjustment
                    rows.append({"deal": money(earning.credited), "commission": money(commission),
                                 "adjustment": money(adjustment) if adjustment else "",
                                 "explanation": earning.explanation,
                                 "adjustment_explanation": earning.adjustment_explanation})
                result[mode] = {"rows": rows, "total": money(total), "chosen": is_retro == retroactive}
            result["headline"] = (f"A period of {', '.join(f'{v:,.0f}' for v in sequence)} {currency} earns "
                                  f"{result['retroactive' if retroactive else 'marginal']['total']} "
                                  f"({'retroactive' if retroactive else 'marginal'})")
        else:
            band = calc.band_for(sample, bands)
            earned = sample * band.rate / calc.HUNDRED
            result["headline"] = f"A {result['sample']} deal earns {money(earned)}"
            result["detail"] = f"{sample:,.2f} × {_pct(band.rate)} ({band.label()})"
            result["influenced"] = money(earned * factor)
    elif kind == PlanType.TIER_BASED:
        for tier, field in form.tier_fields():
            rate = d.get(field.name)
            if rate is not None:
                result["rows"].append((tier.name, _pct(rate), money(sample * rate / calc.HUNDRED)))
        if not result["rows"]:
            result["problems"].append("Give a rate for at least one tier.")
            return result
        result["headline"] = f"A {result['sample']} deal earns, by the partner's tier on the close date:"
    elif kind == PlanType.PROJECT_FEE:
        fee = d.get("fee")
        if not fee:
            result["problems"].append("Give the fee to see what a project earns.")
            return result
        result["headline"] = f"Each won project deal earns {money(fee)}, whatever its value"
        result["influenced"] = money(fee * factor)
    else:
        result["problems"].append("Choose a plan type.")
    return result


@vendor_required
def plan_detail(request, plan_id):
    """A plan's terms and its partners; program admins and finance put a partner on it here."""
    _money_role(request)
    plan = get_object_or_404(CommissionPlan, pk=plan_id)
    if request.method != "POST":
        return _plan_page(request, plan, AssignForm(user=request.user,
                                                    initial={"starts_on": clock.today().replace(day=1)}))
    assign = _for_chosen_partner(request, lambda partner, data: services.assign_plan(
        actor=request.user, partner=partner, plan=plan, starts_on=data["starts_on"], ends_on=data["ends_on"]))
    return page_action(
        request, assign, form=AssignForm(request.POST, user=request.user),
        show_form=lambda form: _plan_page(request, plan, form),
        success=lambda done: f"{done.partner.name} is on “{plan.name}” from {done.starts_on}.",
        redirect_to=reverse("commissions:console_plan", args=[plan.pk]))


def _plan_page(request, plan, form):
    assignments = (PlanAssignment.objects.for_user(request.user).filter(plan=plan).select_related("partner")
                   .order_by("partner__name", "-starts_on"))
    bands = calc.parse_bands(plan.bands) if plan.bands else []
    return render(request, "commissions/plan_detail.html", {
        "plan": plan, "assignments": assignments, "form": form,
        "bands": [(b.label(), f"{plain_decimal(b.rate)}%") for b in bands],
        "overrides": plan.overrides.all(), "fee": format_money(plan.fee, plan.currency) if plan.fee else "",
    })


# ---------------------------------------------------------------- ledger

LEDGER_FILTERS = ["partner", "status", "kind", "currency", "period", "registration"]


@vendor_required
def ledger(request):
    """Every line the viewer may see, filtered, with totals per currency; `?format=csv` downloads them."""
    _ledger_role(request)
    lines = LedgerLine.objects.for_user(request.user).select_related("partner")
    lines, filters, problems = _filter_lines(request, lines, LEDGER_FILTERS)
    for problem in problems:
        messages.error(request, problem)
    lines = lines.order_by("-accrued_on", "-id")
    if request.GET.get("format") == "csv":
        return exports.ledger_csv(lines)
    totals = _totals(lines.exclude(status=LineStatus.CANCELED) if filters["status"] != LineStatus.CANCELED
                     else lines)
    page = Paginator(lines, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "commissions/ledger.html", {
        "page": page, "lines": _with_money(page.object_list),
        "visible_deals": _visible_deals(request.user, page.object_list), "filters": filters, "totals": totals,
        "querystring": urlencode({k: v for k, v in filters.items() if v}),
        "statuses": LineStatus.choices, "kinds": LineKind.choices, "currencies": CURRENCIES,
        "partner_text": picked_text(Partner.objects.for_user(request.user), filters["partner"]),
        "can_manage": request.user.role in MONEY_ROLES,
        "next": request.get_full_path(),
    })


def _line(request, line_id) -> LedgerLine:
    return get_scoped_or_404(LedgerLine.objects.select_related("partner", "plan", "registration", "payout"),
                             request.user, pk=line_id)


def _visible_deals(user, lines) -> set[int]:
    """The registrations of `lines` that `user` may open (a co-sold deal belongs to the registering partner)."""
    ids = {line.registration_id for line in lines if line.registration_id}
    return set(Registration.objects.for_user(user).filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()


@vendor_required
def line_detail(request, line_id, hold_form=None, cancel_form=None):
    _ledger_role(request)
    line = _line(request, line_id)
    line.money = format_money(line.amount, line.currency)
    # The manager of a co-selling participant sees its line but not the deal: link only what opens.
    deal_visible = line.registration_id in _visible_deals(request.user, [line])
    return render(request, "commissions/line_detail.html", {
        "line": line, "can_manage": request.user.role in MONEY_ROLES, "deal_visible": deal_visible,
        "hold_form": hold_form or ReasonForm(prefix="hold"), "cancel_form": cancel_form or ReasonForm(prefix="cancel"),
    })


def _line_action(request, line_id, action, prefix):
    """Hold, release or cancel a line (with a reason from the `prefix` form, when it takes one); back to the
    line, or to a `next` page (the ledger's inline Release button)."""
    _ledger_role(request)
    line = _line(request, line_id)
    _money_role(request)

    def run(data=None):
        reason = {} if data is None else {"reason": data["reason"]}
        return action(actor=request.user, line=line, **reason)

    return page_action(
        request, run, form=ReasonForm(request.POST, prefix=prefix) if prefix else None,
        show_form=lambda form: line_detail(request, line_id, **{f"{prefix}_form": form}),
        success=lambda changed: f"Line #{changed.pk} is now {changed.get_status_display().lower()}.",
        redirect_to=reverse("commissions:console_line", args=[line.pk]))


@vendor_required
@require_POST
def line_hold(request, line_id):
    return _line_action(request, line_id, services.hold_line, "hold")


@vendor_required
@require_POST
def line_release(request, line_id):
    return _line_action(request, line_id, services.release_line, None)


@vendor_required
@require_POST
def line_cancel(request, line_id):
    return _line_action(request, line_id, services.cancel_line, "cancel")


@vendor_required
@require_POST
def line_bulk(request):
    """Hold or release the lines ticked on the ledger, each through its service (and audit) in its own
    transaction; lines refused (already paid, not on hold, …) are named in the flash message."""
    _ledger_role(request)
    _money_role(request)
    form = LineBulkForm(request.POST)

    def run(line):
        if form.cleaned_data["action"] == "hold":
            return services.hold_line(actor=request.user, line=line, reason=form.cleaned_data["reason"])
        return services.release_line(actor=request.user, line=line)

    def done(count):
        verb = "Put on hold" if form.cleaned_data["action"] == "hold" else "Released"
        return f"{verb}: {count} line{'s' if count != 1 else ''}."

    return bulk_action(request, form=form, queryset=LedgerLine.objects.for_user(request.user),
                       call=run, label=lambda line: f"Line #{line.pk}", done=done,
                       redirect_to=reverse("commissions:console_ledger"))


# ---------------------------------------------------------------- refunds

@vendor_required
def registration_commissions(request, registration_id):
    """A won registration's commission lines and refunds; finance records a refund here (clawbacks)."""
    _ledger_role(request)
    registration = get_scoped_or_404(Registration.objects.select_related("partner"), request.user,
                                     pk=registration_id)
    if request.method != "POST":
        return _registration_page(request, registration, RefundForm())
    _money_role(request)
    form = RefundForm(request.POST)
    return page_action(
        request, _spending(request, form, lambda data: services.refund(
            actor=request.user, registration=registration, amount=data["amount"], reason=data["reason"])),
        form=form, show_form=lambda form: _registration_page(request, registration, form),
        success=_clawed_back, redirect_to=lambda new: _with_new_lines(request.path, new))


def _clawed_back(new) -> str:
    total = defaultdict(Decimal)
    for line in new:
        total[line.currency] += line.amount
    clawed = ", ".join(format_money(v, c) for c, v in total.items()) or "nothing (no commission booked)"
    return f"Refund recorded; clawed back {clawed}."


def _with_new_lines(path, new) -> str:
    """The registration page highlighting the clawback lines just booked (`?new=`)."""
    ids = ",".join(str(line.pk) for line in new or [])
    return f"{path}?new={ids}" if ids else path


def _registration_page(request, registration, form):
    can_manage = request.user.role in MONEY_ROLES
    new_ids = [i for i in (int_param(x) for x in request.GET.get("new", "").split(",")) if i]
    lines = (LedgerLine.objects.for_user(request.user).filter(registration=registration).select_related("partner")
             .order_by("accrued_on", "id"))
    return render(request, "commissions/registration.html", {
        "registration": registration, "lines": _with_money(lines), "totals": _totals(
            lines.exclude(status=LineStatus.CANCELED)),
        "refunds": [(r, format_money(r.amount, r.currency)) for r in registration.refunds.order_by("created_at")],
        "won": format_money(registration.won_amount, registration.won_currency) if registration.won_amount else "",
        "form": form, "can_manage": can_manage, "new_ids": new_ids,
    })


# ---------------------------------------------------------------- statements

def _statement_context(partner, period):
    statements = statement(partner=partner, period=period)
    for s in statements:
        c = s["currency"]
        s["money"] = {k: format_money(s[k], c) for k in ("opening_balance", "earned", "paid", "closing_balance")}
        _with_money(s["lines"])
        for line in s["lines"]:
            line.money = format_money(line.amount, c)
    return statements


@vendor_required
def statements(request):
    """Pick a partner and a period: the partner's statement per currency, with downloads."""
    _ledger_role(request)
    form = StatementForm(request.GET or None, user=request.user, initial={"period": current_quarter()})
    context = {"form": form}
    if form.is_bound and form.is_valid():
        partner = get_scoped_or_404(Partner, request.user, pk=form.cleaned_data["partner"].pk)
        period = form.cleaned_data["period"]
        context.update(partner=partner, period=period, statements=_statement_context(partner, period),
                       querystring=urlencode({"partner": partner.pk, "period": period}))
    return render(request, "commissions/statements.html", context)


def _download(request, partner, fmt):
    period = request.GET.get("period", "")
    try:
        period_bounds(period)
    except ValueError:
        raise Http404("No such period.") from None
    if fmt not in exports.FORMATS:
        raise Http404("No such format.")
    return exports.statement_download(fmt, partner=partner, period=period,
                                      statements=statement(partner=partner, period=period))


@vendor_required
def statement_download(request, fmt):
    _ledger_role(request)
    partner = get_scoped_or_404(Partner, request.user, pk=request.GET.get("partner"))
    return _download(request, partner, fmt)


# ---------------------------------------------------------------- payouts

def _minimum(currency):
    """The currency's minimum payout, or None when it cannot be converted (no FX rate and no override)."""
    try:
        return services.minimum_payout(currency)
    except DomainError:
        return None


def _carried_forward(user, currency, up_to):
    """Partners with approved, unbatched lines up to the date whose net is under the currency's minimum
    payout (none when that minimum cannot be worked out: building the batch says why)."""
    minimum = _minimum(currency)
    if minimum is None:
        return []
    rows = (LedgerLine.objects.for_user(user)
            .filter(status=LineStatus.APPROVED, payout__isnull=True, currency=currency, available_on__lte=up_to)
            .values("partner_id", "partner__name").annotate(total=Sum("amount"), lines=Count("id"))
            .order_by("partner__name"))
    return [{"partner": r["partner__name"], "partner_id": r["partner_id"], "lines": r["lines"],
             "total": format_money(r["total"], currency)} for r in rows if r["total"] < minimum]


@vendor_required
def payout_list(request):
    """The payout batches, and the form that builds the next one."""
    _money_role(request)
    if request.method != "POST":
        return _payouts_page(request, PayoutForm(initial={"up_to": clock.today()}))
    form = PayoutForm(request.POST)
    return page_action(
        request, _spending(request, form, lambda data: services.create_payout(
            actor=request.user, currency=data["currency"], up_to=data["up_to"])),
        form=form, show_form=lambda form: _payouts_page(request, form),
        success=lambda payout: _batch_created(request.user, payout),
        redirect_to=lambda payout: reverse("commissions:console_payout", args=[payout.pk]) if payout
        else reverse("commissions:console_payouts"))


def _batch_created(user, payout) -> str:
    text = (f"Batch #{payout.pk} created: {plural(payout.items.count(), 'partner')}, "
            f"{format_money(payout.total, payout.currency)}.")
    carried = _carried_forward(user, payout.currency, payout.up_to)
    if carried:
        text += " Carried forward under the minimum: " + ", ".join(
            f"{c['partner']} ({c['total']})" for c in carried) + "."
    return text


def _payouts_page(request, form):
    carried = []
    if form.is_bound and form.is_valid():
        carried = _carried_forward(request.user, form.cleaned_data["currency"], form.cleaned_data["up_to"])
    payouts = Payout.objects.annotate(partners=Count("items")).order_by("-created_at", "-id")
    page = Paginator(payouts, PER_PAGE).get_page(request.GET.get("page"))
    for payout in page.object_list:
        payout.money = format_money(payout.total, payout.currency)
    row = CommissionSettings.current()
    overrides = sorted((code, format_money(Decimal(amount), code))
                       for code, amount in (row.minimum_payout_overrides or {}).items())
    return render(request, "commissions/payout_list.html", {
        "form": form, "page": page, "payouts": page.object_list, "querystring": "", "carried": carried,
        "minimum": format_money(row.minimum_payout, Program.current().currency), "minimum_overrides": overrides,
    })


def _payout(request, payout_id) -> Payout:
    _money_role(request)
    return get_object_or_404(Payout, pk=payout_id)


@vendor_required
def payout_detail(request, payout_id):
    payout = _payout(request, payout_id)
    items = list(PayoutItem.objects.for_user(request.user).filter(payout=payout).select_related("partner"))
    counts = dict(LedgerLine.objects.for_user(request.user).filter(payout=payout).values("partner_id")
                  .annotate(n=Count("id")).values_list("partner_id", "n"))
    with_details = set(PayoutDetails.objects.for_user(request.user)
                       .filter(partner_id__in=[i.partner_id for i in items]).values_list("partner_id", flat=True))
    for item in items:
        item.money, item.lines = format_money(item.amount, payout.currency), counts.get(item.partner_id, 0)
        item.can_be_paid = not item.blocked_reason and item.partner_id in with_details
    payout.money = format_money(payout.total, payout.currency)
    return render(request, "commissions/payout_detail.html", {
        "payout": payout, "items": [i for i in items if i.can_be_paid],
        "blocked": [i for i in items if not i.can_be_paid], "paid_form": PaidForm(),
        "needs_other_approver": services.needs_other_approver(actor=request.user, payout=payout),
        "carried": _carried_forward(request.user, payout.currency, payout.up_to)
        if payout.status != PayoutStatus.PAID else [],
    })


@vendor_required
def partner_payout_details(request, partner_id):
    """Finance (and program admins) keep a partner's payout details; numbers on file are shown masked."""
    if request.user.role not in services.payout_details.VENDOR_EDITORS:
        raise PermissionDenied("Payout details are kept by finance and program admins.")
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    return _payout_details_page(request, partner, "commissions/payout_details.html")


def _payout_details_page(request, partner, template):
    """The payout details form of `partner` (GET shows it, POST saves through the service, audited)."""
    details = PayoutDetails.objects.for_user(request.user).filter(partner=partner).first()

    def show(form):
        return render(request, template, {"form": form, "partner": partner, "details": details})

    if request.method != "POST":
        return show(PayoutDetailsForm(details=details))
    form = PayoutDetailsForm(request.POST, details=details)
    return page_action(request, lambda data: services.set_payout_details(
        actor=request.user, partner=partner, data=form.data_for_service(data)),
        form=form, show_form=show, success="Payout details saved.", redirect_to=request.path)


@vendor_required
@require_POST
def payout_approve(request, payout_id):
    payout = _payout(request, payout_id)
    return page_action(request, lambda: services.approve_payout(actor=request.user, payout=payout),
                       success=f"Batch #{payout.pk} approved; export it for the bank.",
                       redirect_to=reverse("commissions:console_payout", args=[payout.pk]))


@vendor_required
@require_POST
def payout_export(request, payout_id):
    """The bank/accounting CSV; the first export of an approved batch marks it exported."""
    payout = _payout(request, payout_id)
    if payout.status == PayoutStatus.DRAFT:
        messages.error(request, "Approve the batch before exporting it.")
        return redirect("commissions:console_payout", payout.pk)
    if payout.status == PayoutStatus.APPROVED:
        try:
            payout = services.mark_exported(actor=request.user, payout=payout)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("commissions:console_payout", payout.pk)
    return payout_csv(payout)


@vendor_required
@require_POST
def payout_paid(request, payout_id):
    payout = _payout(request, payout_id)
    form = PaidForm(request.POST)
    return page_action(
        request, _spending(request, form, lambda data: services.mark_paid(
            actor=request.user, payout=payout, reference=data["reference"])),
        form=form, success=f"Batch #{payout.pk} is paid; its lines are marked paid.",
        redirect_to=reverse("commissions:console_payout", args=[payout.pk]))


# ---------------------------------------------------------------- incentives

def _quarter(request) -> tuple[str, list[str]]:
    """The quarter the targets table shows (?quarter=, default this one) and any problem with it."""
    quarter = request.GET.get("quarter", "").strip().upper() or current_quarter()
    try:
        period_bounds(quarter)
    except ValueError:
        return current_quarter(), [f"{quarter!r} is not a quarter such as 2026-Q4; showing this quarter."]
    if "-Q" not in quarter:
        return current_quarter(), [f"{quarter!r} is not a quarter such as 2026-Q4; showing this quarter."]
    return quarter, []


@vendor_required
def incentives_page(request, spiff_form=None, target_form=None, reward_form=None):
    """SPIFFs (active / upcoming / ended), the quarter's targets with progress, and the forms to run them.

    Channel managers read (their partners' targets); program admins and finance also change.
    """
    _ledger_role(request)
    quarter, problems = _quarter(request)
    for problem in problems:
        messages.error(request, problem)
    can_manage = request.user.role in MONEY_ROLES
    targets = (QuarterlyTarget.objects.for_user(request.user).filter(quarter=quarter).select_related("partner")
               .order_by("partner__name"))
    progress = services.target_progress(targets)
    quarters = sorted(set(QuarterlyTarget.objects.for_user(request.user).values_list("quarter", flat=True))
                      | {current_quarter(), quarter}, reverse=True)
    today = clock.today()
    context = {
        "spiffs": services.spiffs_by_status(Spiff.objects.order_by("-starts_on", "name"), today),
        "quarter": quarter, "quarters": quarters, "progress": progress, "can_manage": can_manage,
    }
    if can_manage:
        context.update(
            spiff_form=spiff_form or SpiffForm(prefix="spiff", initial={"starts_on": today}),
            target_form=target_form or TargetForm(prefix="target", user=request.user, initial={"quarter": quarter}),
            reward_form=reward_form or RewardForm(prefix="reward", user=request.user))
    return render(request, "commissions/incentives.html", context)


@vendor_required
@require_POST
def spiff_new(request):
    _money_role(request)
    form = SpiffForm(request.POST, prefix="spiff")
    return page_action(
        request, _spending(request, form, lambda data: services.create_spiff(actor=request.user,
                                                                             **form.service_data())),
        form=form, show_form=lambda form: incentives_page(request, spiff_form=form),
        success=lambda spiff: f"SPIFF “{spiff.name}” runs {spiff.starts_on} to {spiff.ends_on}.",
        redirect_to=reverse("commissions:console_incentives"))


@vendor_required
@require_POST
def spiff_end(request, spiff_id):
    """End a SPIFF now: from today, won deals no longer earn it; lines already booked stay."""
    _money_role(request)
    spiff = get_object_or_404(Spiff, pk=spiff_id)
    return page_action(request, lambda: services.end_spiff(actor=request.user, spiff=spiff),
                       success=f"SPIFF “{spiff.name}” ended; lines already booked for it stay.",
                       redirect_to=reverse("commissions:console_incentives"))


@vendor_required
@require_POST
def target_set(request):
    _money_role(request)
    form = TargetForm(request.POST, prefix="target", user=request.user)
    set_target = _for_chosen_partner(request, lambda partner, data: services.set_quarterly_target(
        actor=request.user, partner=partner,
        **{k: data[k] for k in ("quarter", "target", "currency", "bonus_amount", "bonus_percent")}))

    def done(result) -> str:
        target, created = result
        return (f"{target.partner.name}'s {target.quarter} target {'set' if created else 'changed'}: "
                f"{format_money(target.target, target.currency)}.")

    return page_action(
        request, _spending(request, form, set_target), form=form,
        show_form=lambda form: incentives_page(request, target_form=form), success=done,
        redirect_to=lambda result: _incentives_url(result[0].quarter if result else None))


def _incentives_url(quarter: str | None = None) -> str:
    """The incentives page, showing `quarter`'s targets when given."""
    url = reverse("commissions:console_incentives")
    return f"{url}?{urlencode({'quarter': quarter})}" if quarter else url


@vendor_required
@require_POST
def reward_award(request):
    _money_role(request)
    form = RewardForm(request.POST, prefix="reward", user=request.user)
    award = _for_chosen_partner(request, lambda partner, data: services.award_reward(
        actor=request.user, partner=partner, amount=data["amount"], currency=data["currency"], reason=data["reason"]))
    return page_action(
        request, _spending(request, form, award), form=form,
        show_form=lambda form: incentives_page(request, reward_form=form),
        success=lambda line: f"Reward of {format_money(line.amount, line.currency)} booked for "
                             f"{line.partner.name} (approved).",
        redirect_to=reverse("commissions:console_incentives"))


# ---------------------------------------------------------------- portal

def _own_partner(request):
    """The signed-in partner user's partner, or (with ?partner=) one it may see — any other answers 404."""
    return get_scoped_or_404(Partner, request.user, pk=request.GET.get("partner") or request.user.partner_id)


@partner_required
def my_earnings(request):
    """Totals per currency by status, and the lines with their explanations."""
    partner = _own_partner(request)
    summary = earnings_summary(partner)
    cards = []
    for currency, by_status in sorted(summary.items()):
        cards.append({"currency": currency, "values": [
            (label, format_money(by_status.get(status, Decimal(0)), currency))
            for status, label in (("pending", "Pending"), ("approved", "Approved"), ("on_hold", "On hold"),
                                  ("paid", "Paid"))]})
    lines = LedgerLine.objects.for_user(request.user).filter(partner=partner)
    lines, filters, problems = _filter_lines(request, lines, ["status", "period"])
    for problem in problems:
        messages.error(request, problem)
    page = Paginator(lines.order_by("-accrued_on", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    targets = QuarterlyTarget.objects.for_user(request.user).filter(partner=partner, quarter=current_quarter())
    target = next(iter(services.target_progress(targets)), None)
    return render(request, "commissions/my_earnings.html", {
        "partner": partner, "cards": cards, "page": page, "lines": _with_money(page.object_list),
        "filters": filters, "querystring": urlencode({k: v for k, v in filters.items() if v}),
        "statuses": LineStatus.choices, "spiffs": services.running_spiffs(clock.today()),
        "target": target, "quarter": current_quarter(),
    })


@partner_required
def my_statements(request):
    partner = _own_partner(request)
    form = PortalStatementForm(request.GET if "period" in request.GET else None,
                               initial={"period": current_quarter()})
    period = form.cleaned_data["period"] if form.is_bound and form.is_valid() else (
        None if form.is_bound else current_quarter())
    context = {"form": form, "partner": partner, "period": period}
    if period:
        context.update(statements=_statement_context(partner, period), querystring=urlencode({"period": period}))
    return render(request, "commissions/my_statements.html", context)


@partner_required
def my_statement_download(request, fmt):
    return _download(request, _own_partner(request), fmt)


# ---------------------------------------------------------------- a partner's plans, deals won without a plan,
# recalculation (issue 10, item 1)

@vendor_required
def partner_plans(request, partner_id):
    """A partner's commission plans, current and past, with their dates; program admins and finance put it on
    a plan here. Everyone who may see the partner may look."""
    partner = get_scoped_or_404(Partner, request.user, pk=partner_id)
    can_assign = request.user.role in MONEY_ROLES
    url = reverse("commissions:console_partner_plans", args=[partner.pk])
    if request.method != "POST":
        form = PartnerPlanForm(initial={"starts_on": clock.today().replace(day=1)}) if can_assign else None
        return _partner_plans_page(request, partner, form)
    _money_role(request)
    return page_action(
        request, lambda data: services.assign_plan(actor=request.user, partner=partner, plan=data["plan"],
                                                   starts_on=data["starts_on"], ends_on=data["ends_on"]),
        form=PartnerPlanForm(request.POST), show_form=lambda form: _partner_plans_page(request, partner, form),
        success=lambda done: f"{partner.name} is on “{done.plan.name}” from {done.starts_on:%-d %b %Y}.",
        redirect_to=url)


def _partner_plans_page(request, partner, form):
    today = clock.today()
    assignments = list(PlanAssignment.objects.for_user(request.user).filter(partner=partner)
                       .select_related("plan").order_by("-starts_on"))
    for assignment in assignments:
        assignment.state = ("upcoming" if assignment.starts_on > today else
                            "ended" if assignment.ends_on is not None and assignment.ends_on < today else "current")
    unplanned = queries.won_without_plan(Participant.objects.for_user(request.user).filter(partner=partner))
    return render(request, "commissions/partner_plans.html", {
        "partner": partner, "assignments": assignments, "form": form, "unplanned": unplanned.count(),
        "has_current": any(a.state == "current" for a in assignments),
    })


@vendor_required
def won_without_plan(request):
    """Won deals whose participant earned nothing for want of a plan in force on the close date: finance puts
    the partner on a plan and recalculates the period; the deal leaves the list once its commission is booked."""
    _money_role(request)
    search = request.GET.get("q", "").strip()[:100]
    rows = queries.won_without_plan(Participant.objects.for_user(request.user), search)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        row.money = format_money(row.registration.won_amount, row.registration.won_currency)
        row.period = period_key("quarter", row.registration.closed_on)
    return render(request, "commissions/won_without_plan.html", {
        "page": page, "rows": page.object_list, "q": search, "querystring": urlencode({"q": search} if search else {}),
    })


@vendor_required
def recalculations(request):
    """Recalculate a period from the console (the same booking as `openprm commissions recalc`) and follow it."""
    _money_role(request)
    if request.method != "POST":
        return _recalculations_page(request, RecalculationForm())
    return page_action(
        request, lambda data: services.start_recalculation(actor=request.user, period=data["period"]),
        form=RecalculationForm(request.POST), show_form=lambda form: _recalculations_page(request, form),
        refusal=lambda exc: exc.message,
        success=_run_started,
        redirect_to=reverse("commissions:console_recalculations"))


def _run_started(run) -> str:
    """Started on a worker, it is followed on the page; run inline (demo, tests) it is already over."""
    run.refresh_from_db()
    if run.status == RecalculationStatus.DONE:
        return f"The recalculation of {run.period} is done: {run.added} line{pluralize(run.added)} added."
    return f"The recalculation of {run.period} has started."


def _recalculations_page(request, form):
    page = Paginator(RecalculationRun.objects.select_related("started_by"), 20).get_page(request.GET.get("page"))
    return render(request, "commissions/recalculations.html", {
        "form": form, "page": page, "runs": page.object_list, "querystring": ""})


@vendor_required
def recalculation_status(request, run_id):
    """One run's progress row, polled by the recalculation page (htmx) while it runs."""
    _money_role(request)
    run = get_object_or_404(RecalculationRun.objects.select_related("started_by"), pk=run_id)
    return render(request, "commissions/_recalculation_row.html", {"run": run})


@partner_required
def my_payout_details(request):
    """The partner admin keeps its partner's bank account for payouts (other partner users: 403)."""
    partner = get_scoped_or_404(Partner, request.user, pk=request.user.partner_id)
    if not services.can_edit_payout_details(request.user, partner):
        raise PermissionDenied("Your partner's admins keep its payout details.")
    return _payout_details_page(request, partner, "commissions/my_payout_details.html")
