"""The arrows between the apps (DESIGN.md, "Arrows"): which app's code may import which.

`dashboards`, `exports` → `assessments` → `surveys`; `accounts` is used by all and uses none of
them; the project package (`alignsurvey`: settings, shared infrastructure, project commands)
imports no app. A cycle between two apps would let a change anywhere ripple everywhere.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = {"accounts", "alignsurvey", "assessments", "dashboards", "exports", "surveys"}
MAY_IMPORT = {
    "alignsurvey": set(),
    "accounts": set(),
    "surveys": {"accounts"},
    "assessments": {"surveys", "accounts"},
    "dashboards": {"assessments", "surveys", "accounts"},
    "exports": {"assessments", "surveys", "accounts"},
}
PURE = ["assessments/stats.py", "assessments/anonymity.py"]  # numpy and scipy only: nothing of Django


def imported_modules(path):
    """Every module that the file at `path` imports, at its top or inside a function."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def imports_of_apps(app):
    """(file, app it imports) for every import of another app in `app`'s code, migrations left out."""
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for module in imported_modules(path):
            other = module.split(".")[0]
            if other in APPS and other != app:
                yield path.relative_to(ROOT).as_posix(), other


@pytest.mark.parametrize("app", sorted(MAY_IMPORT))
def test_an_app_imports_only_the_apps_below_it(app):
    wrong = [(path, other) for path, other in imports_of_apps(app) if other not in MAY_IMPORT[app]]
    assert not wrong, f"{app} may import only {sorted(MAY_IMPORT[app]) or 'no app'}; found {wrong}"


@pytest.mark.parametrize("name", PURE)
def test_statistics_import_nothing_of_django(name):
    modules = set(imported_modules(ROOT / name))
    assert not {module for module in modules if module.split(".")[0] in APPS | {"django"}}
