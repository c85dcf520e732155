"""The schema revisions this app ships (形式の版): the files of db/migrations/versions.

Kept apart from schema.py, and free of SQLAlchemy and Alembic, so that a read-only command can
compare a database's version with the app's in one query (quick_read.py).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from kyodo_desk import paths

_REVISION_FILE = re.compile(r"^(\d{4})_\w+\.py$")


def migrations_dir() -> Path:
    return paths.db_dir() / "migrations"


@cache
def known_revisions() -> tuple[str, ...]:
    """The revisions this app ships, in order. Revision ids are the files' 4-digit prefixes."""
    names = sorted(p.name for p in (migrations_dir() / "versions").iterdir())
    return tuple(m[1] for n in names if (m := _REVISION_FILE.match(n)))


def head_revision() -> str:
    return known_revisions()[-1]
