"""The quick read-only open (database/quick_read.py): the same facilities as the service, on a
current embedded database only, writing nothing; anything else is left to the full open."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import time
from pathlib import Path

import pytest

from kyodo_desk.database import Database
from kyodo_desk.database.quick_read import quick_reader, sqlite_file
from kyodo_desk.database.sqlite_files import DamagedDatabase
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import facilities as svc
from kyodo_desk.services.date_style import DATE_STYLE_KEY

# The quick read is of the embedded database alone.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def _edit_facilities(db: Database) -> None:
    """Hours on one facility, another one closed: what the quick read must see as the
    service does."""
    admin = Actor.command_line()
    first, second = svc.list_facilities(db, admin)[:2]
    svc.update_facility(db, admin, first.id, first.version, replace(
        first.as_draft(), opens_at=time(9, 0), closes_at=time(21, 30), open_days="月火水木金",
        closed_days="年末年始"))
    from sqlalchemy import update

    from kyodo_desk.models import Facility

    with db.writing(admin) as session:
        session.execute(update(Facility).where(Facility.id == second.id).values(active=False))


def test_the_facilities_are_those_the_service_lists(db: Database) -> None:
    _edit_facilities(db)
    expected = svc.list_facilities(db, Actor.command_line())
    with quick_reader(db.url.render_as_string(hide_password=False)) as reader:
        if not db.backend.is_sqlite:
            assert reader is None  # a server: the full open reads it
            return
        assert reader is not None
        assert reader.facilities() == expected
        assert reader.setting(DATE_STYLE_KEY) is None
    assert any(f.opens_at == time(9, 0) and f.closes_at == time(21, 30) for f in expected)


@SQLITE_ONLY
def test_a_setting_is_read_as_stored(db: Database) -> None:
    from kyodo_desk.models import Setting

    with db.writing(Actor.command_line()) as session:
        session.add(Setting(key=DATE_STYLE_KEY, value="西暦"))
    with quick_reader(db.url.render_as_string()) as reader:
        assert reader is not None and reader.setting(DATE_STYLE_KEY) == "西暦"


@SQLITE_ONLY
def test_an_older_schema_is_left_to_the_full_open_untouched(db: Database) -> None:
    path = Path(db.url.database or "")
    db.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.close()
    before = _folder(path.parent)
    with quick_reader(f"sqlite:///{path}") as reader:
        assert reader is None
    assert _folder(path.parent) == before  # not migrated, no backup made


def _folder(folder: Path) -> dict[str, bytes]:
    """Every file's content, but SQLite's own -wal and -shm (a reader of a WAL file makes them)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


def test_a_missing_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nothing" / "kyodo-desk.sqlite3"
    with quick_reader(f"sqlite:///{path}") as reader:
        assert reader is None
    assert not path.parent.exists()


def test_a_damaged_file_is_reported_as_the_full_open_reports_it(tmp_path: Path) -> None:
    path = tmp_path / "kyodo-desk.sqlite3"
    path.write_bytes(b"this is no database" * 100)
    with pytest.raises(DamagedDatabase), quick_reader(f"sqlite:///{path}"):
        pass


@pytest.mark.parametrize(("url", "file"), [
    ("sqlite:////srv/kyodo/kyodo-desk.sqlite3", "/srv/kyodo/kyodo-desk.sqlite3"),
    ("sqlite:///data/kyodo-desk.sqlite3", "data/kyodo-desk.sqlite3"),
    ("sqlite://", None),
    ("sqlite:///:memory:", None),
    ("sqlite:///x.sqlite3?mode=ro", None),  # options: only SQLAlchemy reads them right
    ("sqlite:///%E3%81%82.sqlite3", None),
    ("postgresql://kyodo@db/kyodo", None),
])
def test_only_a_plain_file_url_is_read_quickly(url: str, file: str | None) -> None:
    assert sqlite_file(url) == (Path(file) if file else None)
