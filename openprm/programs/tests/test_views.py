"""Program pages: tiers and settings, tier reviews (run, filter, CSV, apply), FX rates, a partner's tier
history in the console, and "my tier" in the portal."""

import csv
import io
from decimal import Decimal

import pytest

from conftest import client_for
from openprm.audit.models import AuditEvent
from openprm.partners import services as partner_services
from openprm.partners.models import Partner, Stage
from openprm.programs import services
from openprm.programs.models import FxRate, Program, Tier, TierChange, TierReview

# Scores the reviews in these tests see, by partner id (see the `scores` fixture).
SCORES: dict[int, Decimal] = {}


def fixed_scores(*, partner_ids, start, end):
    return {pk: SCORES[pk] for pk in partner_ids if pk in SCORES}


@pytest.fixture
def scores(settings):
    settings.TIER_SCORE_METHODS = {"sourced_won_revenue": "openprm.programs.tests.test_views.fixed_scores"}
    SCORES.clear()
    yield SCORES
    SCORES.clear()


def activate(*partners):
    Partner.objects.filter(pk__in=[p.pk for p in partners]).update(stage=Stage.ACTIVE)
    for p in partners:
        p.refresh_from_db()


@pytest.fixture
def program(scores, vendor_admin, channel_manager, acme, globex):
    """21 active partners: rank 1 "Top Dog" (Platinum), Acme rank 2 (Gold), Globex rank 11 (Bronze)."""
    others = [partner_services.create_partner(actor=vendor_admin, data={
        "name": f"Filler {n:02d}", "types": ["reseller"], "country": "US"}) for n in range(18)]
    top = partner_services.create_partner(actor=vendor_admin, data={
        "name": "Top Dog Ltd", "types": ["reseller"], "country": "US"})
    activate(acme, globex, top, *others)
    scores[top.pk] = Decimal("987654.00")
    scores[acme.pk] = Decimal("500000.00")
    scores[globex.pk] = Decimal("12345.00")
    for n, p in enumerate(others[:8]):  # ranks 3..10; the other ten score 0
        scores[p.pk] = Decimal(400000 - n * 1000)
    return {"top": top, "others": others}


CONSOLE_PAGES = ["/console/program/tiers/", "/console/program/reviews/", "/console/program/fx-rates/"]


# ---------------------------------------------------------------- access

def test_pages_answer_the_right_roles(vendor_admin, channel_manager, acme_admin, acme_rep, acme):
    review = TierReview.objects.create(as_of="2026-01-01", currency="USD")
    for user in (vendor_admin, channel_manager):
        client = client_for(user)
        for url in [*CONSOLE_PAGES, f"/console/program/reviews/{review.pk}/",
                    f"/console/program/partners/{acme.pk}/tiers/"]:
            assert client.get(url).status_code == 200, (user, url)
    for user in (acme_admin, acme_rep):
        response = client_for(user).get("/portal/tier/")
        assert response.status_code == 200
        assert "My tier" in response.content.decode()


def test_anonymous_is_sent_to_sign_in(anon, acme):
    for url in [*CONSOLE_PAGES, "/console/program/reviews/1/", f"/console/program/partners/{acme.pk}/tiers/",
                "/portal/tier/"]:
        response = anon.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_partners_cannot_open_console_pages_and_vendors_not_the_portal(acme_admin, vendor_admin, acme):
    client = client_for(acme_admin)
    for url in [*CONSOLE_PAGES, f"/console/program/partners/{acme.pk}/tiers/"]:
        assert client.get(url).status_code == 403, url
    assert client.post("/console/program/tiers/gold/", {"gold-name": "Mine"}).status_code == 403
    assert client.post("/console/program/reviews/run/").status_code == 403
    assert TierReview.objects.count() == 0 and Tier.objects.get(code="gold").name == "Gold"
    assert client_for(vendor_admin).get("/portal/tier/").status_code == 403


def test_the_console_nav_links_the_program_pages(vendor_admin, acme_admin):
    page = client_for(vendor_admin).get("/console/program/tiers/").content.decode()
    for url in CONSOLE_PAGES:
        assert f'href="{url}"' in page
    assert 'href="/portal/tier/"' in client_for(acme_admin).get("/portal/tier/").content.decode()


# ---------------------------------------------------------------- tiers and settings

def tier_post(tier: Tier, **changes) -> dict:
    values = {"name": tier.name, "rank": tier.rank, "top_percent": tier.top_percent or "",
              "discount_min": tier.discount_min, "discount_max": tier.discount_max,
              "manager_coverage": tier.manager_coverage, "support_level": tier.support_level,
              "sla_multiplier": tier.sla_multiplier, "mdf_budget": tier.mdf_budget,
              "review_cadence": tier.review_cadence, "other_benefits": "\n".join(tier.other_benefits),
              "min_certified_people": tier.min_certified_people}
    for flag in ("beta_access", "roadmap_input", "executive_engagement", "requires_active_agreement"):
        if getattr(tier, flag):
            values[flag] = "on"
    values.update(changes)
    return {f"{tier.code}-{k}": v for k, v in values.items() if v is not False}


def test_the_tier_table_shows_benefits_and_partner_counts(vendor_admin, acme, globex):
    Partner.objects.filter(pk=acme.pk).update(tier="gold")
    page = client_for(vendor_admin).get("/console/program/tiers/").content.decode()
    for text in ("Platinum", "top 5%", "30–40%", "Dedicated", "Priority support", "50,000.00 USD",
                 "Monthly reviews", "Roadmap input", "all others"):
        assert text in page
    gold_row = page[page.index('id="tier-gold"'):page.index('id="tier-silver"')]
    assert '<td class="num">1</td>' in gold_row
    assert "1 partner without a tier yet" in page  # Globex


def test_channel_manager_reads_tiers_but_cannot_change_them(channel_manager):
    client = client_for(channel_manager)
    page = client.get("/console/program/tiers/").content.decode()
    assert "Platinum" in page and "Save Gold" not in page and "Program admins change tiers" in page
    gold = Tier.objects.get(code="gold")
    events = AuditEvent.objects.count()
    assert client.post("/console/program/tiers/gold/", tier_post(gold, mdf_budget="1")).status_code == 403
    assert client.post("/console/program/settings/", {"name": "Mine", "currency": "EUR", "score_window_days": 30,
                                                      "demotion_grace_days": 0}).status_code == 403
    assert Tier.objects.get(code="gold").mdf_budget == Decimal("25000")
    assert Program.current().currency == "USD" and AuditEvent.objects.count() == events


def test_admin_edits_a_tier(vendor_admin):
    client = client_for(vendor_admin)
    gold = Tier.objects.get(code="gold")
    response = client.post("/console/program/tiers/gold/", tier_post(
        gold, mdf_budget="30000", min_certified_people="2", other_benefits="Joint webinars\nDeal desk"),
        follow=True)
    assert response.redirect_chain[-1][0] == "/console/program/tiers/"
    page = response.content.decode()
    assert "Tier Gold saved." in page and "30,000.00 USD" in page and "needs 2 certified people" in page
    gold.refresh_from_db()
    assert gold.mdf_budget == Decimal("30000") and gold.other_benefits == ["Joint webinars", "Deal desk"]
    assert AuditEvent.objects.filter(verb="tier.updated", object_id=str(gold.pk)).exists()


def test_a_bad_tier_edit_shows_the_error_and_changes_nothing(vendor_admin):
    client = client_for(vendor_admin)
    gold = Tier.objects.get(code="gold")
    response = client.post("/console/program/tiers/gold/", tier_post(gold, discount_min="35", discount_max="30"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Must not exceed the maximum." in page and "was not saved" in page
    assert 'id="edit-gold" open' in page  # the form with the error is the one shown open
    assert 'value="35"' in page  # what the admin typed is kept
    gold.refresh_from_db()
    assert (gold.discount_min, gold.discount_max) == (Decimal("25"), Decimal("30"))
    assert not AuditEvent.objects.filter(verb="tier.updated").exists()
    # A rank another tier holds is refused on its field too.
    response = client.post("/console/program/tiers/gold/", tier_post(gold, rank="1"))
    assert "Rank already exists" in response.content.decode()
    assert Tier.objects.get(code="gold").rank == 2


def test_admin_changes_the_program_settings(vendor_admin):
    client = client_for(vendor_admin)
    data = {"name": "Channel Program", "currency": "EUR", "score_window_days": "180", "demotion_grace_days": "30"}
    response = client.post("/console/program/settings/", data, follow=True)
    assert "Program settings saved." in response.content.decode()
    program = Program.current()
    assert (program.currency, program.score_window_days, program.demotion_grace_days) == ("EUR", 180, 30)
    assert AuditEvent.objects.filter(verb="program.updated").count() == 1
    bad = client.post("/console/program/settings/", {**data, "score_window_days": "0"})
    assert bad.status_code == 200 and "were not saved" in bad.content.decode()
    assert Program.current().score_window_days == 180


# ---------------------------------------------------------------- reviews

def test_run_a_review_then_apply_selected_then_all(program, vendor_admin, acme, globex, acme_admin):
    client = client_for(vendor_admin)
    response = client.post("/console/program/reviews/run/", {"as_of": ""}, follow=True)
    review = TierReview.objects.get()
    assert response.redirect_chain[-1][0] == f"/console/program/reviews/{review.pk}/"
    page = response.content.decode()
    assert "proposed for 21 active partners" in page
    assert "Acme Systems" in page and "500,000.00 USD" in page and "Apply selected" in page
    assert Partner.objects.get(pk=acme.pk).tier == ""  # a proposal changes nothing

    response = client.post(f"/console/program/reviews/{review.pk}/apply/",
                           {"partners": [acme.pk, program["top"].pk], "apply_selected": "1"}, follow=True)
    assert "Applied: 2 tier changes" in response.content.decode()
    tiers = dict(Partner.objects.values_list("pk", "tier"))
    assert tiers[acme.pk] == "gold" and tiers[program["top"].pk] == "platinum"
    assert {pk for pk, tier in tiers.items() if tier} == {acme.pk, program["top"].pk}
    assert TierChange.objects.filter(partner=acme, to_tier="gold", review=review).exists()
    assert acme_admin.notifications.filter(title__contains="Gold").exists()
    review.refresh_from_db()
    assert review.status == "partly_applied"

    nothing = client.post(f"/console/program/reviews/{review.pk}/apply/", {"apply_selected": "1"}, follow=True)
    assert "Select the partners to apply" in nothing.content.decode()

    client.post(f"/console/program/reviews/{review.pk}/apply/", {"apply_all": "1"})
    assert Partner.objects.get(pk=globex.pk).tier == "bronze"
    review.refresh_from_db()
    assert review.status == "applied"
    again = client.post(f"/console/program/reviews/{review.pk}/apply/", {"apply_all": "1"}, follow=True)
    assert "Nothing left to apply" in again.content.decode()
    listing = client.get("/console/program/reviews/").content.decode()
    assert "Applied" in listing and "21 / 21" in listing


def test_review_filters_bars_and_csv(program, vendor_admin, acme, globex):
    Partner.objects.filter(pk=globex.pk).update(tier="bronze")
    Partner.objects.filter(pk=program["top"].pk).update(tier="gold")  # → Platinum: a promotion
    Partner.objects.filter(pk=program["others"][-1].pk).update(tier="silver")  # scores 0 → Bronze: a demotion
    review = services.run_review(actor=vendor_admin)
    client = client_for(vendor_admin)
    url = f"/console/program/reviews/{review.pk}/"
    page = client.get(url).content.decode()
    assert page.count('name="partners"') == 21
    assert "tier-bar-platinum" in page and "width: 7%" in page  # 1 Platinum vs 15 Bronze
    changes = client.get(url, {"changes": "1"}).content.decode()
    assert "Acme Systems" in changes and "Globex GmbH" not in changes  # Globex stays Bronze
    gold = client.get(url, {"tier": "gold"}).content.decode()
    assert "Acme Systems" in gold and "Top Dog Ltd" not in gold
    response = client.get(url, {"tier": "gold", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 2 and {r["proposed_tier"] for r in rows} == {"gold"}
    acme_row = next(r for r in rows if r["partner"] == "Acme Systems")
    assert (acme_row["score"], acme_row["currency"], acme_row["rank"], acme_row["change"]) == \
        ("500000.00", "USD", "2", "new")
    changes_csv = client.get(url, {"changes": "1", "format": "csv"}).content.decode()
    assert "Filler 17" in changes_csv and ",down," in changes_csv and "Top Dog Ltd" in changes_csv
    listing = client.get("/console/program/reviews/").content.decode()
    assert "▲ 1" in listing and "▼ 1" in listing and "partner-sourced won revenue over the last 365 days" in listing


def test_channel_manager_sees_only_its_partners_in_a_review_and_cannot_run_or_apply(program, vendor_admin,
                                                                                     channel_manager, acme):
    review = services.run_review(actor=vendor_admin)
    client = client_for(channel_manager)
    page = client.get(f"/console/program/reviews/{review.pk}/").content.decode()
    assert "Acme Systems" in page and "Globex GmbH" not in page and "Top Dog Ltd" not in page
    assert "Apply selected" not in page
    assert "Run review now" not in client.get("/console/program/reviews/").content.decode()
    assert client.post("/console/program/reviews/run/").status_code == 403
    assert client.post(f"/console/program/reviews/{review.pk}/apply/", {"apply_all": "1"}).status_code == 403
    assert TierReview.objects.count() == 1 and not Partner.objects.exclude(tier="").exists()


def test_a_review_that_cannot_run_says_why(vendor_admin, acme):
    activate(acme)
    Tier.objects.all().delete()
    response = client_for(vendor_admin).post("/console/program/reviews/run/", {"as_of": "2026-03-31"}, follow=True)
    assert "Configure the program&#x27;s tiers first." in response.content.decode()
    assert not TierReview.objects.exists()


def test_a_review_as_of_something_that_is_not_a_date_says_so_and_runs_nothing(vendor_admin, acme):
    activate(acme)
    response = client_for(vendor_admin).post("/console/program/reviews/run/", {"as_of": "soon"}, follow=True)
    assert response.redirect_chain[-1][0] == "/console/program/reviews/"
    assert "Enter the as-of date as a date, or leave it empty for today." in response.content.decode()
    assert not TierReview.objects.exists()


def test_run_as_of_a_date(scores, vendor_admin, acme):
    activate(acme)
    client_for(vendor_admin).post("/console/program/reviews/run/", {"as_of": "2026-03-31"})
    assert str(TierReview.objects.get().as_of) == "2026-03-31"


# ---------------------------------------------------------------- FX rates

def test_fx_rates_list_and_add(vendor_admin, channel_manager):
    client = client_for(vendor_admin)
    response = client.post("/console/program/fx-rates/", {"currency": "EUR", "valid_on": "2026-01-01",
                                                          "rate": "1.08"}, follow=True)
    assert "Rate saved: 1 EUR = 1.08 USD" in response.content.decode()
    client.post("/console/program/fx-rates/", {"currency": "EUR", "valid_on": "2026-02-01", "rate": "1.1"})
    page = client.get("/console/program/fx-rates/").content.decode()
    assert "1 EUR = 1.1 USD" in page and "1 Feb 2026" in page and "1 EUR = 1.08 USD" not in page
    history = client.get("/console/program/fx-rates/", {"currency": "EUR"}).content.decode()
    assert "EUR history" in history and "1.08" in history
    bad = client.post("/console/program/fx-rates/", {"currency": "GBP", "valid_on": "2026-01-01", "rate": "0"})
    assert bad.status_code == 422 and "The rate must be greater than zero." in bad.content.decode()
    reader = client_for(channel_manager)
    assert "Add a rate" not in reader.get("/console/program/fx-rates/").content.decode()
    refused = reader.post("/console/program/fx-rates/", {"currency": "GBP", "valid_on": "2026-01-01", "rate": "1.2"})
    assert refused.status_code == 403
    assert FxRate.objects.count() == 2


# ---------------------------------------------------------------- partner tier history (console)

def test_partner_tier_history_is_scoped(program, vendor_admin, channel_manager, other_manager, acme, globex):
    review = services.run_review(actor=vendor_admin)
    services.apply_review(actor=vendor_admin, review=review, partner_ids=[acme.pk])
    page = client_for(channel_manager).get(f"/console/program/partners/{acme.pk}/tiers/").content.decode()
    assert "Acme Systems" in page and "Gold" in page and "500,000.00 USD" in page and "Ada Admin" in page
    assert client_for(channel_manager).get(f"/console/program/partners/{globex.pk}/tiers/").status_code == 404
    assert client_for(other_manager).get(f"/console/program/partners/{acme.pk}/tiers/").status_code == 404
    assert client_for(vendor_admin).get("/console/program/partners/987654/tiers/").status_code == 404


# ---------------------------------------------------------------- portal: my tier

def test_my_tier_before_any_review(acme_admin):
    page = client_for(acme_admin).get("/portal/tier/").content.decode()
    assert "Acme Systems has no tier yet" in page and "Not yet reviewed" in page
    assert "Platinum" in page and "Bronze" in page  # all tiers side by side


def test_my_tier_shows_acmes_tier_score_and_the_way_up_but_nothing_of_globex(program, vendor_admin, acme_admin):
    Tier.objects.filter(code="platinum").update(min_certified_people=3)
    review = services.run_review(actor=vendor_admin)
    services.apply_review(actor=vendor_admin, review=review)
    response = client_for(acme_admin).get("/portal/tier/")
    page = response.content.decode()
    assert "Acme Systems is" in page and 'class="badge tier-gold"' in page
    assert "Enhanced support" in page and "Quarterly business reviews" in page  # Gold's benefits
    assert "500,000.00 USD" in page and "2 <span" in page and "of 21" in page  # score and rank
    # Platinum's cut-off is the last score inside its top 5% (an anonymous number), plus its requirements.
    assert "To reach" in page and 'class="badge tier-platinum"' in page and "987,654.00 USD" in page
    assert "needs 3 certified people (has 0)" in page
    assert 'class="card tier-card mine"' in page and page.count("tier-card mine") == 1
    assert "Globex" not in page and "12,345" not in page and "Top Dog" not in page  # no other partner's name


def test_my_tier_score_needed_is_the_last_score_inside_the_next_cut_off(program, vendor_admin, acme_admin):
    review = services.run_review(actor=vendor_admin)
    services.apply_review(actor=vendor_admin, review=review)
    page = client_for(acme_admin).get("/portal/tier/").content.decode()
    assert "987,654.00 USD" in page and "487,654.00 USD more than your score" in page
    assert "Globex" not in page and "12,345" not in page


# ---------------------------------------------------------------- page services

def test_next_tier_outlook(program, vendor_admin, acme, globex):
    assert services.next_tier_outlook(partner=acme)["tier"].code == "silver"  # untiered: lowest cut-off tier
    assert services.next_tier_outlook(partner=acme)["score_needed"] is None  # not reviewed yet
    review = services.run_review(actor=vendor_admin)
    services.apply_review(actor=vendor_admin, review=review)
    acme.refresh_from_db(), globex.refresh_from_db(), program["top"].refresh_from_db()
    outlook = services.next_tier_outlook(partner=acme)
    assert outlook["tier"].code == "platinum" and outlook["score_needed"] == Decimal("987654.00")
    assert outlook["score_gap"] == Decimal("487654.00") and outlook["gaps"] == []
    bronze = services.next_tier_outlook(partner=globex)
    # The last partner inside Silver's top 30% (rank 6 of 21) scored 397,000.
    assert bronze["tier"].code == "silver" and bronze["score_needed"] == Decimal("397000.00")
    assert services.next_tier_outlook(partner=program["top"]) is None  # already the best tier


def test_update_program_is_for_admins_and_validated(vendor_admin, channel_manager):
    from openprm.programs.exceptions import NotAllowed, ValidationFailed

    with pytest.raises(NotAllowed):
        services.update_program(actor=channel_manager, data={"score_window_days": 30})
    with pytest.raises(ValidationFailed) as exc:
        services.update_program(actor=vendor_admin, data={"currency": "XXX"})
    assert "currency" in exc.value.errors
    with pytest.raises(ValidationFailed):
        services.update_program(actor=vendor_admin, data={"score_method": "other"})
    services.update_program(actor=vendor_admin, data={"score_window_days": 90})
    assert Program.current().score_window_days == 90


# ---------------------------------------------------------------- the product catalog (issue 10, item 12)

def test_program_admins_add_edit_and_retire_products(vendor_admin, channel_manager):
    from openprm.programs.models import Product

    client = client_for(vendor_admin)
    assert "No products yet" in client.get("/console/program/products/").content.decode()
    client.post("/console/program/products/", {"name": "Edge  Firewall", "family": "Security", "active": "on"})
    product = Product.objects.get()
    assert (product.name, product.family, product.active) == ("Edge Firewall", "Security", True)
    duplicate = client.post("/console/program/products/", {"name": "edge firewall", "active": "on"})
    assert duplicate.status_code == 422 and "Another product already has this name." in duplicate.content.decode()
    edit = client.get(f"/console/program/products/{product.pk}/").content.decode()
    assert 'value="Edge Firewall"' in edit and '<option value="Security"></option>' in edit  # family picker
    client.post(f"/console/program/products/{product.pk}/", {"name": "Edge Firewall X", "family": "Security",
                                                             "active": "on"})
    client.post(f"/console/program/products/{product.pk}/retire/")
    product.refresh_from_db()
    assert (product.name, product.active) == ("Edge Firewall X", False)
    assert AuditEvent.objects.filter(verb__in=["product.created", "product.updated", "product.retired"]).count() == 3
    assert "<td>Edge Firewall X</td>" not in client.get("/console/program/products/").content.decode()
    assert "<td>Edge Firewall X</td>" in client.get("/console/program/products/?show=all").content.decode()
    # A retired product is no longer offered by the picker; others read the catalog but change nothing.
    Product.objects.create(name="Data Lake", family="Data")
    picked = client_for(channel_manager).get("/console/program/products/pick/?q=").content.decode()
    assert picked == '<option value="Data Lake"></option>'
    families = client.get("/console/program/products/pick/?kind=family&q=da").content.decode()
    assert families == '<option value="Data"></option>'
    manager = client_for(channel_manager)
    assert manager.get("/console/program/products/").status_code == 200
    assert manager.post("/console/program/products/", {"name": "Sneaky"}).status_code == 403
    assert manager.post(f"/console/program/products/{product.pk}/retire/").status_code == 403
    assert not Product.objects.filter(name="Sneaky").exists()


def test_comma_list_pickers_complete_the_last_entry(vendor_admin, acme_rep, channel_manager):
    """Products and territories are comma lists: each suggestion keeps what was typed before the last comma."""
    from openprm.programs.models import Product

    Product.objects.create(name="Edge Gateway", family="Edge")
    Product.objects.create(name="Analytics", family="Data")
    portal = client_for(acme_rep).get("/portal/products/pick/?field=products&multi=1&products=Analytics,%20ed")
    assert portal.content.decode() == '<option value="Analytics, Edge Gateway"></option>'
    form = client_for(acme_rep).get("/portal/deals/new/").content.decode()
    assert 'hx-get="/portal/products/pick/?multi=1&amp;field=products"' in form
    territories = client_for(channel_manager).get(
        "/console/agreements/territories/pick/?field=territories&multi=1&territories=US,eur").content.decode()
    assert '<option value="US, europe"></option>' in territories
    assert client_for(acme_rep).get("/console/agreements/territories/pick/?q=eu").status_code == 403
