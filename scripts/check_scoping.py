#!/usr/bin/env python
"""CI check: views and API endpoints reach partner-owned models only through the scoping helpers.

ARCHITECTURE "Partner isolation": every view and endpoint lists partner-owned objects through
`Model.objects.for_user(user)` and loads single ones through `get_scoped_or_404`. This lint reads every
`openprm/**/views.py` and `openprm/**/api.py` and reports, as `file:line: code`:

- `<Model>.objects.<anything but for_user>` (including a bare `<Model>.objects`),
- `get_object_or_404(<Model>, …)` and `get_list_or_404(<Model>, …)`,

where `<Model>` is partner-scoped: its default manager's queryset subclasses
`openprm.accounts.scoping.PartnerScopedQuerySet`. The set is collected from the Django app registry, so a
new partner-owned model is covered the day it is added. Names are resolved through the file's own imports
(aliases included). A `<Model>.objects…` chain given as the first argument of `get_scoped_or_404` is fine:
the helper scopes it.

Usage: scripts/check_scoping.py [FILE_OR_DIR ...]   (default: the openprm package). Exit 1 on findings.
"""

from __future__ import annotations

import ast
import importlib
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_NAMES = {"views.py", "api.py"}
SHORTCUTS = {"get_object_or_404", "get_list_or_404"}
SCOPED_HELPER = "get_scoped_or_404"


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openprm.settings")
    os.environ.setdefault("OPENPRM_TESTING", "1")
    import django

    django.setup()


def partner_scoped_models() -> set[type]:
    """Every installed model whose default manager's queryset is a PartnerScopedQuerySet."""
    from django.apps import apps

    from openprm.accounts.scoping import PartnerScopedQuerySet

    return {
        model for model in apps.get_models(include_auto_created=True)
        if issubclass(model._default_manager._queryset_class, PartnerScopedQuerySet)
    }


def module_name(path: Path) -> str | None:
    try:
        relative = path.resolve().relative_to(ROOT)
    except ValueError:
        return None
    return ".".join(relative.with_suffix("").parts)


def _absolute(module: str | None, level: int, current: str | None) -> str | None:
    if level == 0:
        return module
    if not current:
        return None
    package = current.split(".")[: -level]
    return ".".join(package + ([module] if module else [])) or None


def _resolve(dotted: str):
    """The object a dotted name such as `openprm.partners.models.Partner` points at, or None."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attribute in parts[cut:]:
                obj = getattr(obj, attribute)
        except AttributeError:
            return None
        return obj
    return None


class Checker(ast.NodeVisitor):
    def __init__(self, path: Path, source: str, scoped: set[type]):
        self.path = path
        self.lines = source.splitlines()
        self.scoped = scoped
        self.current = module_name(path)
        self.imports: dict[str, str] = {}  # local name → dotted origin
        self.allowed: set[int] = set()  # ids of `.objects` nodes exempted (get_scoped_or_404 source)
        self.findings: list[tuple[int, str]] = []

    # -- names

    def visit_Import(self, node):
        for alias in node.names:
            if alias.asname:
                self.imports[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.imports[top] = top

    def visit_ImportFrom(self, node):
        base = _absolute(node.module, node.level, self.current)
        if base:
            for alias in node.names:
                self.imports[alias.asname or alias.name] = f"{base}.{alias.name}"

    def _dotted(self, node) -> str | None:
        if isinstance(node, ast.Name):
            return self.imports.get(node.id)
        if isinstance(node, ast.Attribute):
            inner = self._dotted(node.value)
            return f"{inner}.{node.attr}" if inner else None
        return None

    def _scoped_model(self, node) -> type | None:
        dotted = self._dotted(node)
        if not dotted:
            return None
        obj = _resolve(dotted)
        return obj if obj in self.scoped else None

    # -- checks

    def _report(self, node, what: str):
        line = self.lines[node.lineno - 1].strip() if node.lineno <= len(self.lines) else ""
        self.findings.append((node.lineno, f"{what}: {line}"))

    @staticmethod
    def _objects_node(node):
        """The `X.objects` attribute at the root of a chain like `X.objects.select_related().filter()`."""
        while True:
            if isinstance(node, ast.Call):
                node = node.func
            elif isinstance(node, ast.Attribute):
                if node.attr == "objects":
                    return node
                node = node.value
            else:
                return None

    def visit_Call(self, node):
        name = _call_name(node)
        if name in SHORTCUTS and node.args:
            model = self._scoped_model(node.args[0])
            if model is not None:
                self._report(node, f"{name}({model.__name__}, …) bypasses partner scoping; "
                                   f"use get_scoped_or_404({model.__name__}, request.user, …)")
        self.generic_visit(node)

    def visit_Attribute(self, node):
        if node.attr == "objects" and id(node) not in self.allowed:
            model = self._scoped_model(node.value)
            if model is not None:
                self._report(node, f"{model.__name__}.objects without for_user(); "
                                   f"use {model.__name__}.objects.for_user(request.user) or get_scoped_or_404")
        self.generic_visit(node)


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def check_file(path: Path, scoped: set[type]) -> list[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source, filename=str(path))
    checker = Checker(path, source, scoped)
    for node in ast.walk(tree):
        # Imports anywhere in the file (also inside functions) name the models.
        if isinstance(node, ast.Import):
            checker.visit_Import(node)
        elif isinstance(node, ast.ImportFrom):
            checker.visit_ImportFrom(node)
        # `X.objects.for_user(...)` is the sanctioned form.
        elif isinstance(node, ast.Attribute) and node.attr == "for_user" and isinstance(node.value, ast.Attribute) \
                and node.value.attr == "objects":
            checker.allowed.add(id(node.value))
        # get_scoped_or_404(X.objects.select_related(...), user, ...) scopes the queryset it is given.
        elif isinstance(node, ast.Call) and _call_name(node) == SCOPED_HELPER and node.args:
            objects = checker._objects_node(node.args[0])
            if objects is not None:
                checker.allowed.add(id(objects))
    for node in ast.iter_child_nodes(tree):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            checker.visit(node)
    return sorted(set(checker.findings))


def target_files(arguments: list[str]) -> list[Path]:
    roots = [Path(a) for a in arguments] or [ROOT / "openprm"]
    files = []
    for root in roots:
        if root.is_file():
            files.append(root)
        else:
            files.extend(p for p in sorted(root.rglob("*.py"))
                         if p.name in TARGET_NAMES and "migrations" not in p.parts and ".venv" not in p.parts)
    return files


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    setup_django()
    scoped = partner_scoped_models()
    failures = 0
    for path in target_files(argv):
        for line, message in check_file(path, scoped):
            shown = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else path
            print(f"{shown}:{line}: {message}")
            failures += 1
    if failures:
        print(f"\n{failures} unscoped access(es) to partner-owned models. "
              "See ARCHITECTURE.md, 'Partner isolation'.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
