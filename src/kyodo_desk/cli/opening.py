"""The database a command works on, opened and closed in one place (コマンドのデータベース接続):
every handler runs inside `opened`, as the command line's actor.

Nothing here imports SQLAlchemy when loaded: `leaflet facility-guide` reads the embedded
database without it (database/quick_read.py) and never opens it this way.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from kyodo_desk.domain.permissions import Actor

if TYPE_CHECKING:
    from kyodo_desk.database import Database


def open_for(args: argparse.Namespace, *, migrate: bool = True) -> Database:
    """The database chosen by --database, the environment or the settings file; a notice of
    the day's failed backup is said once on standard error and the command goes on."""
    from kyodo_desk.config import choose_database
    from kyodo_desk.database import open_database

    db = open_database(choose_database(args.database).url, migrate=migrate)
    if db.startup_notice:  # today's backup of the embedded file failed; the command goes on
        print(f"注意: {db.startup_notice}", file=sys.stderr)
        db.startup_notice = ""
    return db


@contextmanager
def opened(args: argparse.Namespace, *, migrate: bool = True,
           database: Database | None = None) -> Iterator[tuple[Database, Actor]]:
    """The database with the command line's actor (the administrator, コマンドの操作者),
    disposed of however the command ends. *database*: one the command opened its own way
    (`db status`, `db upgrade --owner-url`), closed the same way."""
    db = database if database is not None else open_for(args, migrate=migrate)
    try:
        yield db, Actor.command_line()
    finally:
        db.dispose()
