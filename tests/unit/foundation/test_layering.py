import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_no_package_imports_the_app_module():
    offenders = []
    for package in ("core", "tenants", "loyalty", "shop", "console"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
                if isinstance(node, ast.ImportFrom) and node.level == 0:
                    names = [node.module or ""]
                if any(name == "app" or name.startswith("app.") for name in names):
                    offenders.append(str(path.relative_to(ROOT)))

    assert offenders == []


def function_level_imports(path: Path) -> list[int]:
    """Line numbers of imports inside functions or classes (not at a module's top level)."""
    tree = ast.parse(path.read_text())
    top_level = {id(node) for node in tree.body}
    return [node.lineno for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top_level]


def test_loyalty_and_shop_import_at_module_level_so_import_linter_sees_every_edge():
    # wiring.py is the one exception: `blueprints()` and `wire()` are what create_app calls to register a
    # domain's views, jobs and handlers, so importing the module registers nothing. grimp (import-linter)
    # counts those imports too, so the contracts prove they hide no cycle.
    offenders = [f"{path.relative_to(ROOT)}:{line}"
                 for package in ("loyalty", "shop") for path in sorted((ROOT / package).rglob("*.py"))
                 if path.name != "wiring.py" for line in function_level_imports(path)]

    assert offenders == []
