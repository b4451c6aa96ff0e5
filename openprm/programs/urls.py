"""Program pages: tiers, tier reviews and FX rates in the console; "my tier" in the portal."""

from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("console/program/tiers/", views.tiers, name="tiers"),
    path("console/program/tiers/<slug:code>/", views.tier_edit, name="tier_edit"),
    path("console/program/settings/", views.program_settings, name="program_settings"),
    path("console/program/reviews/", views.reviews, name="reviews"),
    path("console/program/reviews/run/", views.review_run, name="review_run"),
    path("console/program/reviews/<int:review_id>/", views.review_detail, name="review_detail"),
    path("console/program/reviews/<int:review_id>/apply/", views.review_apply, name="review_apply"),
    path("console/program/fx-rates/", views.fx_rates, name="fx_rates"),
    path("console/program/partners/<int:partner_id>/tiers/", views.partner_tiers, name="partner_tiers"),
    path("console/program/partners/<int:partner_id>/tiers/place/", views.partner_tier_place,
         name="partner_tier_place"),
    path("portal/tier/", views.my_tier, name="my_tier"),
]
