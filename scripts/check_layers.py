#!/usr/bin/env python
"""CI check: imports between the apps of `openprm/` point down the layers, never up and never sideways.

The layers, lowest first (docs/architecture.md "Dependency direction"):

    lib  ←  accounts, audit  ←  idempotency  ←  partners  ←  programs  ←  agreements  ←  deals
         ←  commissions, mdf, support, enablement, engagement, integrations, announcements  ←  analytics
         ←  api, console, portal  ←  the project modules (settings, urls, celery, schedule, cli, wsgi, asgi)

An app may import its own modules and any app of a lower layer. The rules around that:

- Upward or sideways (another app of the same layer) imports fail, unless the pair is in ALLOWED below:
  a short list, each entry with its reason. The one named exception of the design is deals → commissions
  (winning a deal books its commissions: an explicit call instead of a signal); the others are TODOs.
- `api`, `console` and `portal` sit above every domain app: they may import any of them, and no domain app
  imports them. One exception by rule: a domain app's `api.py` may import the API's infrastructure,
  `openprm.api.auth` (how a request is authenticated) and `openprm.api.errors` (how a refusal is answered) —
  never `openprm.api.api`, the instance that mounts every router (that would be a cycle).
- Tests and migrations are not checked: tests build objects of any app, migrations name other apps' states.
- An `openprm.<name>` that is in no layer fails too, so a new app is placed in a layer the day it is added.

Every `import` and `from … import` is read with `ast`, including relative ones and those inside functions.
Strings given to `import_string` (the dotted-path settings through which a lower app asks a higher one,
e.g. the tier-score facts) are not imports and are not checked, nor are model labels in lazy foreign keys
(`ForeignKey("commissions.CommissionPlan")` on an agreement).

Usage: scripts/check_layers.py [PACKAGE_DIR]   (default: the openprm package). Exit 1 on findings, printed as
`file:line: message`.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "openprm"

LAYERS: list[set[str]] = [
    {"lib"},
    {"accounts", "audit"},
    {"idempotency"},
    {"partners"},
    {"programs"},
    {"agreements"},  # reads tiers (a partner's discount range); programs asks it for facts by dotted path only
    {"deals"},
    {"commissions", "mdf", "support", "enablement", "engagement", "integrations", "announcements"},
    {"analytics"},
    {"api", "console", "portal"},
    {"settings", "urls", "celery", "schedule", "cli", "wsgi", "asgi"},
]
LAYER_OF = {name: level for level, names in enumerate(LAYERS) for name in names}
SHELLS = {"api", "console", "portal"}
PROJECT = LAYERS[-1]  # the project's own modules wire everything together and may import each other
# What a domain app's api.py may import from `openprm.api` (see the module docstring).
API_INFRASTRUCTURE = {"openprm.api.auth", "openprm.api.errors"}
# Directories that hold no app code (templates, static files) or are not checked.
SKIPPED_PARTS = {"tests", "migrations", "templates", "static"}

# (importing app, imported module or a prefix of it) → why it is allowed. Keep this list short.
ALLOWED: dict[tuple[str, str], str] = {
    # The named exception: a won deal books its commissions through an explicit call (no signals).
    ("deals", "openprm.commissions.services"): "winning a deal books its commissions (accrue_registration)",
    # accounts and audit share a layer and need each other: accounts' services record audit events, and
    # audit decides who reads which event with the isolation rule of accounts.scoping.
    ("accounts", "openprm.audit"): "accounts' services record audit events like every other app's",
    ("audit", "openprm.accounts.scoping"): "audit reads events through the shared isolation rule",
    ("audit", "openprm.accounts.access"): "the audit trail page uses the one page-access rule (vendor_required)",
    # TODO: a user belongs to a partner, so the people pages/endpoints and the createuser command look the
    # partner up; the partner model could be reached through the user's foreign key or a partners service.
    ("accounts", "openprm.partners"): "TODO: the people endpoints and createuser look up the user's Partner",
    # TODO: the jobs command runs the schedule's jobs by name; the schedule (project level) names tasks of every
    # app. It belongs beside the schedule, not in the console shell.
    ("console", "openprm.schedule"): "TODO: the jobs command reads the project's schedule",
}


def module_name(path: Path, package_dir: Path) -> str:
    """`openprm/deals/services.py` → `openprm.deals.services` (a package's `__init__` is the package)."""
    parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, absolute module) of every import in the tree; `from x import y` yields `x.y` (y may be a module)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            found.extend((node.lineno, f"{source}.{alias.name}") for alias in node.names)
    return found


def app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == PACKAGE else None


def allowed_by_list(app: str, target: str) -> bool:
    return any(app == a and (target == prefix or target.startswith(prefix + "."))
               for (a, prefix) in ALLOWED)


def verdict(path: Path, app: str, target: str) -> str | None:
    """Why importing `target` from `app` breaks the layers, or None when it is fine."""
    target_app = app_of(target)
    if target_app is None or target_app == app or (app in PROJECT and target_app in PROJECT):
        return None
    if target_app not in LAYER_OF:
        return f"imports {target}: '{target_app}' is in no layer (add it to LAYERS in scripts/check_layers.py)"
    if allowed_by_list(app, target):
        return None
    if target_app == "api" and path.name == "api.py" and app not in SHELLS \
            and any(target == m or target.startswith(m + ".") for m in API_INFRASTRUCTURE):
        return None
    mine, theirs = LAYER_OF[app], LAYER_OF[target_app]
    if theirs < mine:
        return None
    direction = "sideways (same layer)" if theirs == mine else "upward"
    return f"imports {target}: {app} → {target_app} points {direction}; dependencies point down the layers"


def check(package_dir: Path) -> list[str]:
    """Every finding under `package_dir` (the `openprm` package directory) as `file:line: message`."""
    findings = []
    for path in sorted(package_dir.rglob("*.py")):
        relative = path.relative_to(package_dir)
        if SKIPPED_PARTS.intersection(relative.parts[:-1]) or relative.name == "conftest.py":
            continue  # conftest.py files are test fixtures, like the tests themselves
        module = module_name(path, package_dir)
        app = app_of(module) if len(relative.parts) > 1 else relative.stem
        if app is None or app == "__init__":
            continue
        if app not in LAYER_OF:
            findings.append(f"{path}:1: app '{app}' is in no layer (add it to LAYERS in scripts/check_layers.py)")
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, target in imported_modules(tree, module, path.name == "__init__.py"):
            problem = verdict(path, app, target)
            if problem:
                findings.append(f"{path}:{line}: {problem}")
    return findings


def main(argv: list[str]) -> int:
    package_dir = Path(argv[1]).resolve() if len(argv) > 1 else ROOT / PACKAGE
    findings = check(package_dir)
    for finding in findings:
        print(finding)
    if findings:
        print(f"{len(findings)} import(s) against the layers (docs/architecture.md, scripts/check_layers.py).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
