"""Nothing under ``playground/`` except ``playground/tui/`` imports Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "playground"

BLOCKER = r'''
import importlib.abc, importlib, pkgutil, sys

class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "textual" or name.startswith("textual."):
            raise ImportError(f"textual is blocked here (import of {name!r})")
        return None

sys.meta_path.insert(0, Block())
import playground
failed = []
for mod in pkgutil.walk_packages(playground.__path__, "playground."):
    if mod.name.startswith("playground.tui"):
        continue
    if mod.name.startswith("playground.interop.inspect_"):
        continue  # they import inspect_ai (the optional extra), which imports Textual itself for its display
    try:
        importlib.import_module(mod.name)
    except ImportError as exc:
        if "textual is blocked" in str(exc):
            failed.append(f"{mod.name}: {exc}")
assert not [m for m in sys.modules if m == "textual" or m.startswith("textual.")]
print("\n".join(failed))
sys.exit(1 if failed else 0)
'''


def test_the_core_imports_with_textual_blocked():
    result = subprocess.run([sys.executable, "-c", BLOCKER], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_outside_tui_names_textual():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "tui" in path.relative_to(PACKAGE).parts[:1]:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(n == "textual" or n.startswith("textual.") for n in names):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []
