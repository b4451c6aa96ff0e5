"""The CI check that imports between apps point down the layers (scripts/check_layers.py)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "check_layers.py"

spec = importlib.util.spec_from_file_location("check_layers", SCRIPT)
check_layers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check_layers)


def _tree(tmp_path, files: dict[str, str]) -> Path:
    package = tmp_path / "openprm"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return package


def test_it_passes_on_the_real_tree():
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_it_reports_upward_and_sideways_imports_with_file_and_line(tmp_path):
    package = _tree(tmp_path, {
        "partners/services.py": "from openprm.lib import money\nfrom openprm.deals import services\n",
        "commissions/views.py": "import os\n\n\ndef f():\n    from openprm.mdf.models import Claim\n",
        "lib/text.py": "from ..accounts.models import User\n",
        "deals/forms.py": "from openprm.console.forms import X\n",
    })
    findings = check_layers.check(package)
    assert len(findings) == 4, findings
    assert any(f.endswith("partners/services.py:2: imports openprm.deals.services: partners → deals points "
                          "upward; dependencies point down the layers") for f in findings)
    assert any("commissions/views.py:5:" in f and "sideways" in f for f in findings)
    assert any("lib/text.py:1: imports openprm.accounts.models.User" in f for f in findings)  # relative import
    assert any("deals/forms.py:1:" in f and "deals → console" in f for f in findings)


def test_it_lets_downward_imports_the_named_exception_and_api_infrastructure_through(tmp_path):
    package = _tree(tmp_path, {
        "deals/services.py": "from openprm.partners.models import Partner\n"
                             "from openprm.commissions.services import accrue_registration\n",
        "deals/api.py": "from openprm.api.auth import auth_allowing\nfrom openprm.api.errors import install\n",
        "console/views.py": "from openprm.commissions import services\nfrom openprm.deals import services\n",
        "deals/tests/test_x.py": "from openprm.console import views\n",  # tests are not checked
    })
    assert check_layers.check(package) == []


def test_api_infrastructure_is_only_for_an_apps_api_module(tmp_path):
    package = _tree(tmp_path, {
        "deals/views.py": "from openprm.api.auth import auth_allowing\n",
        "deals/api.py": "from openprm.api.api import api\n",
    })
    findings = check_layers.check(package)
    assert len(findings) == 2, findings


def test_an_app_in_no_layer_fails(tmp_path):
    package = _tree(tmp_path, {
        "deals/services.py": "from openprm.rewards import services\n",
        "rewards/models.py": "",
    })
    findings = check_layers.check(package)
    assert any("'rewards' is in no layer" in f and "deals/services.py:1:" in f for f in findings)
    assert any("rewards/models.py:1: app 'rewards' is in no layer" in f for f in findings)


def test_the_command_exits_1_on_findings(tmp_path):
    package = _tree(tmp_path, {"partners/models.py": "from openprm.programs.models import Tier\n"})
    result = subprocess.run([sys.executable, str(SCRIPT), str(package)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "partners/models.py:1:" in result.stdout
