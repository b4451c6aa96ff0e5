"""Program pages: tiers, tier reviews and FX rates in the console; "my tier" in the portal."""

from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("console/program/tiers/", views.tiers, name="console_tiers"),
    path("console/program/tiers/<slug:code>/", views.tier_edit, name="console_tier_edit"),
    path("console/program/settings/", views.program_settings, name="console_settings"),
    path("console/program/reviews/", views.reviews, name="console_reviews"),
    path("console/program/reviews/run/", views.review_run, name="console_review_run"),
    path("console/program/reviews/<int:review_id>/", views.review_detail, name="console_review"),
    path("console/program/reviews/<int:review_id>/apply/", views.review_apply, name="console_review_apply"),
    path("console/program/fx-rates/", views.fx_rates, name="console_fx_rates"),
    path("console/program/products/", views.products, name="console_products"),
    path("console/program/products/pick/", views.product_pick, name="console_product_pick"),
    path("console/program/products/<int:product_id>/", views.product_edit, name="console_product_edit"),
    path("console/program/products/<int:product_id>/retire/", views.product_retire, name="console_product_retire"),
    path("console/program/partners/<int:partner_id>/tiers/", views.partner_tiers, name="console_partner_tiers"),
    path("console/program/partners/<int:partner_id>/tiers/place/", views.partner_tier_place,
         name="console_partner_tier_place"),
    path("portal/tier/", views.my_tier, name="portal_tier"),
    path("portal/products/pick/", views.portal_product_pick, name="portal_product_pick"),
]
