"""Every integration test module marks itself, so `-m "not integration"` leaves out all of them.

pytest reads `pytestmark` from test modules and classes only; one in a conftest marks nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

INTEGRATION = Path(__file__).resolve().parents[2] / "integration"


def marks_itself_integration(module: Path) -> bool:
    for node in ast.parse(module.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytestmark" for t in node.targets):
            return "pytest.mark.integration" in ast.unparse(node.value)
    return False


def test_every_integration_test_module_is_marked_integration_at_module_level():
    modules = sorted(INTEGRATION.rglob("test_*.py"))

    unmarked = [str(module.relative_to(INTEGRATION)) for module in modules if not marks_itself_integration(module)]

    assert modules and unmarked == []


def test_a_module_without_the_mark_is_caught(tmp_path):
    module = tmp_path / "test_unmarked.py"
    module.write_text("import pytest\n\n\ndef test_something():\n    pass\n")

    assert not marks_itself_integration(module)
