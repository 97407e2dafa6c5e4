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
