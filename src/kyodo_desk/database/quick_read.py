"""A quick read-only open (閲覧だけの素早い読み取り) of the embedded database, for a command
that only reads and starts in its own process (`kyodo-desk leaflet facility-guide`).

The full open (core.open_database) loads SQLAlchemy and every model, checks and narrows the
file, migrates, seeds and makes the day's backup: half a second before the first query, which
a command that reads eight facilities pays on every run. Here: the same damage check of the
file as the full open (sqlite_files.check_existing_file), a read-only connection of the
standard library's sqlite3, and one query for the schema version. Anything that is not the
plain case (a PostgreSQL URL, no file yet, a schema older or newer than this app, any error)
answers None, and the caller takes the full open, which explains or repairs it: so the rules
of opening live in one place and this module only ever reads.

The facilities are read by the same rule as services.facilities.list_facilities (active ones
in display order) into the same FacilityDetail; tests/database/test_quick_read.py holds the
two to the same answer.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import fields
from datetime import time
from pathlib import Path
from typing import Any

from kyodo_desk.database import revisions, sqlite_files
from kyodo_desk.domain.facilities import FacilityDetail

log = logging.getLogger(__name__)

_PREFIX = "sqlite:///"
_FACILITY_COLUMNS = tuple(f.name for f in fields(FacilityDetail))
_TIME_COLUMNS = frozenset({"opens_at", "closes_at"})


def sqlite_file(raw_url: str) -> Path | None:
    """The file of a plain `sqlite:///path` URL; None for anything else (a server, memory, a
    URL with options or escapes), which only the full open reads as SQLAlchemy would."""
    if not raw_url.startswith(_PREFIX) or any(c in raw_url for c in "?%#"):
        return None
    name = raw_url[len(_PREFIX):]
    return Path(name) if name and name != ":memory:" else None


class QuickReader:
    """An open read-only connection to a current database; see the module's docstring."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def facilities(self) -> list[FacilityDetail]:
        """The active facilities in the order of the summary edition (list_facilities)."""
        rows = self._conn.execute(
            f"SELECT {', '.join(_FACILITY_COLUMNS)} FROM facilities WHERE active "
            "ORDER BY display_order, id").fetchall()
        return [FacilityDetail(**{name: _value(name, value)
                                  for name, value in zip(_FACILITY_COLUMNS, row, strict=True)})
                for row in rows]

    def setting(self, key: str) -> str | None:
        """The shared setting *key* (settings table), None if it is not set."""
        row = self._conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])


def _value(column: str, value: Any) -> Any:
    # SQLAlchemy keeps a time in SQLite as text, 09:00:00.000000.
    if column in _TIME_COLUMNS and isinstance(value, str):
        return time.fromisoformat(value)
    return value


@contextmanager
def quick_reader(raw_url: str) -> Iterator[QuickReader | None]:
    """A QuickReader on the database at *raw_url*, or None: take the full open instead.

    Raises DamagedDatabase, as the full open would, for a file that is damaged.
    """
    path = sqlite_file(raw_url)
    if path is None or not path.is_file():
        yield None
        return
    sqlite_files.check_existing_file(path)  # a damaged file is reported the same way
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True,
                               timeout=sqlite_files.BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as exc:
        log.info("quick read of %s not possible (%s): full open", path, exc)
        yield None
        return
    with closing(conn):
        try:
            conn.execute("BEGIN")  # one snapshot for every read of the command
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error as exc:
            log.info("quick read of %s not possible (%s): full open", path, exc)
            row = None
        if row is None or row[0] != revisions.head_revision():
            yield None
            return
        yield QuickReader(conn)
