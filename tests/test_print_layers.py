"""Prints take data the services prepared: a leaflet module only draws. `leaflets.render` is
the one place that reads (through the services, as the printing account may) and it does so
on first use, so importing the package or any leaflet loads no database library."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

LEAFLETS = Path(__file__).resolve().parents[1] / "src" / "kyodo_desk" / "leaflets"
SERVICES = "kyodo_desk.services"


def _imports(nodes: list[ast.stmt], *, into_functions: bool) -> set[str]:
    """The modules *nodes* import, leaving out `if TYPE_CHECKING:` blocks (names for the type
    checker only) and, unless *into_functions*, what a function imports when it runs."""
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            names |= _imports(node.orelse, into_functions=into_functions)
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not into_functions:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        for field in ("body", "orelse", "handlers", "finalbody"):
            names |= _imports(getattr(node, field, []), into_functions=into_functions)
    return names


def _module_imports(path: Path, *, into_functions: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return _imports(tree.body, into_functions=into_functions)


def test_leaflet_modules_never_read_through_the_services() -> None:
    offenders = [f"{path.name}: {name}"
                 for path in sorted(LEAFLETS.glob("*.py")) if path.name != "__init__.py"
                 for name in _module_imports(path, into_functions=True)
                 if name.startswith(SERVICES)]
    assert offenders == []


def test_render_reads_through_the_services_only_when_a_leaflet_is_made() -> None:
    init = LEAFLETS / "__init__.py"
    at_import = _module_imports(init, into_functions=False)
    assert not {name for name in at_import if name.startswith(SERVICES)}
    assert "importlib" not in _module_imports(init, into_functions=True)


def test_importing_every_leaflet_loads_no_database_library() -> None:
    modules = ", ".join(f"kyodo_desk.leaflets.{path.stem}"
                        for path in sorted(LEAFLETS.glob("*.py")) if path.name != "__init__.py")
    code = (f"import sys, {modules}; "
            "print(sorted({m for m in sys.modules "
            "if m.split('.')[0] == 'sqlalchemy' or m.startswith('kyodo_desk.services')}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
