"""The migration that turns the free-text commission plan into a link to a plan (issue 10, item 1)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from openprm.lib import clock

BEFORE = [("agreements", "0004_signature_evidence"), ("commissions", "0003_recalculation_runs")]
AFTER = [("agreements", "0006_drop_commission_plan_text")]


@pytest.mark.django_db(transaction=True)
def test_old_plan_texts_link_to_the_plan_of_that_name():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Partner = old.get_model("partners", "Partner")
    Template = old.get_model("agreements", "AgreementTemplate")
    Agreement = old.get_model("agreements", "Agreement")
    Plan = old.get_model("commissions", "CommissionPlan")
    plan = Plan.objects.create(name="Reseller bands", type="tiered")
    partner = Partner.objects.create(name="Old Co", country="US")
    # The default templates come from a data migration; a transactional test before this one may have flushed them.
    template = Template.objects.filter(kind="reseller").first() or Template.objects.create(
        kind="reseller", version=1, title="Reseller agreement", body="Standard clauses.")
    start = clock.today() - timedelta(days=400)  # an agreement from before the migration, whatever today is
    made = {}
    for text in ("  reseller BANDS ", "A plan nobody made", ""):
        made[text] = Agreement.objects.create(partner=partner, template=template, template_version=1,
                                              kind="reseller", starts_on=start, ends_on=start + timedelta(days=364),
                                              commission_plan=text).pk

    executor = MigrationExecutor(connection)  # a fresh one: it reads which migrations are applied now
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps.get_model("agreements", "Agreement")
    linked = dict(new.objects.values_list("pk", "commission_plan_id"))
    assert linked == {made["  reseller BANDS "]: plan.pk, made["A plan nobody made"]: None, made[""]: None}
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())  # leave the database as the other tests expect it
