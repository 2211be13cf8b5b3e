"""The calibration package is pure: standard library and numpy, nothing of Django or the project."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import calibration

PACKAGE = Path(calibration.__file__).parent
ALLOWED_THIRD_PARTY = {"numpy"}


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_imports_only_stdlib_numpy_and_itself():
    modules = sorted(PACKAGE.glob("*.py"))
    assert {m.stem for m in modules} >= {"__init__", "reliability", "consensus", "bradley_terry", "human_score"}
    for module in modules:
        foreign = _imported_roots(module) - sys.stdlib_module_names - ALLOWED_THIRD_PARTY - {"calibration"}
        assert not foreign, f"{module.name} imports {sorted(foreign)}"
