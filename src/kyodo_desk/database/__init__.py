"""Opening the database: engines, the per-database differences, migrations and seed data.

`Database` and `open_database` load SQLAlchemy (core.py) on first use, not on import, so that
a read-only command that needs none (quick_read.py) does not pay for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kyodo_desk.domain.errors import StartupError

if TYPE_CHECKING:
    from kyodo_desk.database.core import Database, open_database

__all__ = ["Database", "StartupError", "open_database"]


def __getattr__(name: str) -> Any:
    if name in ("Database", "open_database"):
        from kyodo_desk.database import core

        return getattr(core, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
