"""The CI check that views and API endpoints reach partner-owned models only through the scoping helpers."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "check_scoping.py"

BAD_SAMPLE = '''\
from django.shortcuts import get_list_or_404, get_object_or_404

import openprm.deals.models
from openprm.partners import models as pm
from openprm.partners.models import Contact as C
from openprm.partners.models import Partner, StageTarget
from openprm.accounts.scoping import get_scoped_or_404


def detail(request, pk):
    fine = Partner.objects.for_user(request.user).get(pk=pk)
    also_fine = get_scoped_or_404(C.objects.select_related("partner"), request.user, pk=pk)
    not_partner_owned = StageTarget.objects.all()
    leaked = Partner.objects.get(pk=pk)
    aliased = C.objects.filter(partner_id=pk)
    shortcut = get_object_or_404(Partner, pk=pk)
    listed = get_list_or_404(C, partner_id=pk)
    module_alias = pm.OnboardingTask.objects.all()
    dotted = openprm.deals.models.Registration.objects.first()
    return fine, also_fine, not_partner_owned, leaked, aliased, shortcut, listed, module_alias, dotted
'''
BAD_LINES = {
    14: "Partner.objects.get(pk=pk)",
    15: "C.objects.filter(partner_id=pk)",
    16: "get_object_or_404(Partner, pk=pk)",
    17: "get_list_or_404(C, partner_id=pk)",
    18: "pm.OnboardingTask.objects.all()",
    19: "openprm.deals.models.Registration.objects.first()",
}


def run(*args):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_it_passes_on_the_real_tree():
    result = run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize("name", ["views.py", "api.py"])
def test_it_fails_on_unscoped_access_and_names_each_line(tmp_path, name):
    bad = tmp_path / name
    bad.write_text(BAD_SAMPLE)
    result = run(bad)
    assert result.returncode == 1
    reported = {}
    for line in result.stdout.splitlines():
        location, _, message = line.partition(": ")
        path, _, number = location.rpartition(":")
        assert path.endswith(name)
        reported[int(number)] = message
    assert set(reported) == set(BAD_LINES), result.stdout
    for number, code in BAD_LINES.items():
        assert code in reported[number]


def test_a_directory_is_searched_for_views_and_api_modules_only(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(BAD_SAMPLE)
    (tmp_path / "app" / "services.py").write_text(BAD_SAMPLE)  # services may write models directly
    result = run(tmp_path)
    assert result.returncode == 1
    assert "views.py:14:" in result.stdout
    assert "services.py" not in result.stdout


def test_the_scoped_model_set_comes_from_the_registry():
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import check_scoping
    finally:
        sys.path.remove(str(SCRIPT.parent))
    from openprm.accounts.models import ApiToken, Invitation, User
    from openprm.audit.models import AuditEvent
    from openprm.partners.models import Contact, OnboardingTask, Partner, StageTarget

    scoped = check_scoping.partner_scoped_models()
    assert {Partner, Contact, OnboardingTask, User, Invitation} <= scoped
    assert not {StageTarget, ApiToken, AuditEvent} & scoped
