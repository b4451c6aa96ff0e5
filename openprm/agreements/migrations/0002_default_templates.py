"""Version 1 of the standard agreement template of each kind, with the seed's clauses.

Responsibilities of each party, the support split (L1 partner, L2/L3 vendor), intellectual property and
termination; program admins add newer versions (and retire old ones) in the Django admin.
"""

from django.db import migrations

SUPPORT_SPLIT = "L1 partner; L2/L3 vendor"

IP_TERMS = (
    "The vendor keeps all rights in its products, trademarks, documentation and materials. The partner receives a "
    "non-exclusive, non-transferable licence to use them for the purpose of this agreement during its term. "
    "Each party keeps the rights in what it brings; work created jointly is owned as the parties agree in writing. "
    "Neither party may register or use the other's marks except as this agreement allows."
)

TERMINATION_TERMS = (
    "Either party may end this agreement at the end of its term by giving written notice no later than the "
    "notice period before the end date; otherwise an auto-renewing agreement renews for another term of the same "
    "length. Either party may terminate at once for a material breach not cured within 30 days of written notice, "
    "or if the other party becomes insolvent. On termination the partner stops presenting itself as a partner, "
    "returns or destroys confidential material, and fees and commissions earned before termination stay payable."
)

BODY = """1. Responsibilities
The vendor provides the products, training, sales and marketing material, partner portal access and the
program benefits of the partner's tier. The partner {partner_duty}.

2. Support
Support is split between the parties: {support_split}. The partner answers its customers' first-line
questions (L1); the vendor handles second- and third-line support (L2/L3), product defects and updates.

3. Pricing and payment
Discounts, margins and payment terms are set out in the agreement and lie within the range of the partner's
tier. Invoices are payable within the payment terms.

4. Intellectual property
{ip_terms}

5. Confidentiality
Each party keeps the other's confidential information secret and uses it only for this agreement.

6. Term and termination
{termination_terms}
"""

KINDS = {
    "reseller": ("Reseller agreement", "resells the vendor's products to customers in its territory and segments, "
                 "keeps a trained sales and support team, forecasts and registers its deals"),
    "referral": ("Referral agreement", "introduces qualified prospects to the vendor and registers each referral; "
                 "the vendor sells, contracts and invoices the customer"),
    "oem": ("OEM agreement", "embeds the vendor's products in its own offering under the agreed branding, and "
            "reports units shipped each quarter"),
    "technology": ("Technology partnership agreement", "builds and maintains its integration with the vendor's "
                   "products and keeps it certified on supported versions"),
    "co_marketing": ("Co-marketing agreement", "runs the agreed joint campaigns and events, follows the brand "
                     "guidelines and reports the leads and results of each campaign"),
    "distributor": ("Distributor agreement", "recruits, enables and supplies resellers in its territory, holds "
                    "stock or licences as agreed, and reports sell-through monthly"),
}


def load(apps, schema_editor):
    Template = apps.get_model("agreements", "AgreementTemplate")
    for kind, (title, duty) in KINDS.items():
        Template.objects.get_or_create(kind=kind, version=1, defaults={
            "title": title,
            "body": BODY.format(partner_duty=duty, support_split=SUPPORT_SPLIT, ip_terms=IP_TERMS,
                                termination_terms=TERMINATION_TERMS),
            "default_term_months": 12, "notice_days": 60, "payment_terms_days": 30,
            "responsibilities_vendor": "Provide the products, training, sales and marketing material, portal "
                                       "access, L2/L3 support and the benefits of the partner's tier.",
            "responsibilities_partner": f"The partner {duty}; it provides L1 support to its customers.",
            "support_split": SUPPORT_SPLIT, "ip_terms": IP_TERMS, "termination_terms": TERMINATION_TERMS,
            "active": True,
        })


class Migration(migrations.Migration):
    dependencies = [("agreements", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
