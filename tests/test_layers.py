"""The core stays free of the GUI (as Anki's pylib is of aqt): services run without Qt."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "kyodo_desk"
CORE = ("domain", "models", "database", "services", "exports", "leaflets", "imports")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_modules_import_neither_qt_nor_the_ui() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for layer in CORE
        for path in (PACKAGE / layer).rglob("*.py")
        for name in imported_modules(path)
        if name.startswith(("PySide6", "shiboken6", "kyodo_desk.ui"))
    ]
    assert offenders == []


def test_domain_imports_nothing_of_the_project_but_itself() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / "domain").rglob("*.py")
        for name in imported_modules(path)
        if name.startswith("kyodo_desk") and not name.startswith("kyodo_desk.domain")
    ]
    assert offenders == []


def test_services_and_exports_load_without_qt() -> None:
    code = ("import sys, kyodo_desk.services.contacts, kyodo_desk.services.demo, "
            "kyodo_desk.exports.facilities, kyodo_desk.database.schema, "
            "kyodo_desk.leaflets.facility_guide; "
            "print([m for m in sys.modules if m.startswith('PySide6')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"


def test_screens_do_their_work_through_operations_only() -> None:
    """One way for the window to do work (ui/operations.py): no screen starts a background
    job of its own."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in (PACKAGE / "ui").rglob("*.py")
        if path.name not in ("operations.py", "tasks.py")
        and "run_in_background" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_no_ui_test_gives_up_on_a_short_wait() -> None:
    """A wait that ends at a fixed short time fails on a busy machine: tests wait for what the
    user would see, with the long default of tests/ui/conftest.py."""
    import re

    short = re.compile(r"qtbot\.wait\(|qWait\(|time\.sleep\(|timeout=")
    tests = Path(__file__).resolve().parent / "ui"
    offenders = [
        f"{path.name}:{number}: {line.strip()}"
        for path in tests.glob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if short.search(line) and "WAIT_TIMEOUT_MS" not in line
    ]
    assert offenders == []
