from conftest import api_client_for
from openprm.partners.models import Partner, Stage


def test_tiers_answer_the_contract(acme_rep):
    tiers = api_client_for(acme_rep).get("/api/v1/tiers").json()
    assert [t["code"] for t in tiers] == ["platinum", "gold", "silver", "bronze"]
    platinum = tiers[0]
    assert platinum["top_percent"] == "5.00" and platinum["rank"] == 1
    assert "Discounts 30–40%" in platinum["benefits"]
    assert platinum["requirements"] == {"min_certified_people": 0, "requires_active_agreement": False}
    assert tiers[-1]["top_percent"] is None


def test_review_then_apply_some(vendor_admin, acme, globex):
    Partner.objects.filter(pk__in=[acme.pk, globex.pk]).update(stage=Stage.ACTIVE)
    admin = api_client_for(vendor_admin)
    review = admin.post("/api/v1/tier-reviews", {}, content_type="application/json")
    assert review.status_code == 201
    body = review.json()
    assert {p["partner"] for p in body["proposals"]} == {acme.pk, globex.pk}
    assert all(p["proposed_tier"] == "bronze" and p["current_tier"] is None for p in body["proposals"])
    applied = admin.post(f"/api/v1/tier-reviews/{body['id']}/apply", {"partners": [acme.pk]},
                         content_type="application/json")
    assert applied.status_code == 200 and applied.json()["status"] == "partly_applied"
    assert Partner.objects.get(pk=acme.pk).tier == "bronze" and Partner.objects.get(pk=globex.pk).tier == ""
    unknown = admin.post(f"/api/v1/tier-reviews/{body['id']}/apply", {"partners": [999999]},
                         content_type="application/json")
    assert unknown.status_code == 422


def test_reviews_and_tier_changes_are_for_program_admins(channel_manager, acme_admin):
    for user in (channel_manager, acme_admin):
        client = api_client_for(user)
        assert client.post("/api/v1/tier-reviews", {}, content_type="application/json").status_code == 403
        response = client.patch("/api/v1/tiers/gold", {"mdf_budget": "1"}, content_type="application/json")
        assert response.status_code == 403


def test_bad_tier_values_are_422(vendor_admin):
    admin = api_client_for(vendor_admin)
    response = admin.patch("/api/v1/tiers/gold", {"discount_min": "35"}, content_type="application/json")
    assert response.status_code == 422 and "discount_min" in response.json()["errors"]
    assert admin.patch("/api/v1/tiers/gold", {"top_percent": "0"}, content_type="application/json").status_code == 422
    assert admin.patch("/api/v1/tiers/nope", {}, content_type="application/json").status_code == 404
    # Explicit nulls: only the cut-off may be empty (the catch-all tier); the rest are field errors, not a 500.
    nulls = admin.patch("/api/v1/tiers/gold", {"discount_min": None, "discount_max": None, "name": "Gold"},
                        content_type="application/json")
    assert nulls.status_code == 422 and {"discount_min", "discount_max"} <= set(nulls.json()["errors"])
