"""Rules every service keeps, read from the services' own code: each acts for the signed-in
account (so a disabled account is refused at once), and each write is run once more when the
database broke a deadlock by rolling it back."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "src" / "kyodo_desk" / "services"


def _functions() -> list[tuple[str, ast.FunctionDef]]:
    return [(_module(path), node) for path in sorted(SERVICES.rglob("*.py"))
            for node in ast.parse(path.read_text(encoding="utf-8")).body
            if isinstance(node, ast.FunctionDef)]


def _module(path: Path) -> str:
    """`demo` for services/demo/__init__.py, `events.registrations` for a module inside."""
    parts = path.relative_to(SERVICES).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _opens(node: ast.FunctionDef, method: str) -> list[ast.Call]:
    return [c for c in ast.walk(node) if isinstance(c, ast.Call)
            and isinstance(c.func, ast.Attribute) and c.func.attr == method]


def test_every_service_acts_for_its_actor() -> None:
    """Only the reads that act for nobody (is there an account yet; training data) pass None."""
    for_nobody = {(module, node.name) for module, node in _functions()
                  for call in _opens(node, "reading") + _opens(node, "writing")
                  if call.args and isinstance(call.args[0], ast.Constant)}
    assert for_nobody == {("accounts", "has_accounts"), ("demo", "_facilities_and_topics")}


def test_every_public_write_service_is_run_again_after_a_deadlock() -> None:
    missing = []
    for module, node in _functions():
        if node.name.startswith("_") or not _opens(node, "writing"):
            continue
        function = getattr(importlib.import_module(f"kyodo_desk.services.{module}"), node.name)
        if not getattr(function, "retries_on_contention", False):
            missing.append(f"{module}.{node.name}")
    assert missing == [], "decorate with kyodo_desk.database.core.retry_on_contention"
