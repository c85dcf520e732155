"""Schema versions: older databases are backed up and upgraded, newer ones open read-only,
and the shipped migrations never drift from the models."""

from __future__ import annotations

import itertools
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.exc import DBAPIError

from kyodo_desk.database import StartupError, open_database, revisions, schema
from kyodo_desk.domain.errors import ReadOnlyDatabase
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Base
from kyodo_desk.services import contacts as svc

SYSTEM = Actor.system()
CURRENT = schema.head_revision()  # the newest revision this checkout ships

BACKUP_NAME = re.compile(r"^kyodo-desk\.backup-\d{8}-\d{6}(-\d+)?\.sqlite3$")

NOOP_MIGRATION = '''"""A later revision that changes nothing (test double).

Revision ID: {new}
Revises: {old}
"""

from alembic import op


revision = "{new}"
down_revision = "{old}"
branch_labels = None
depends_on = None


def upgrade() -> None:
{body}
'''


def install_newer_app(monkeypatch: pytest.MonkeyPatch, folder: Path,
                      body: str = "    pass") -> str:
    """Make this app ship one more revision than the databases it opens; returns it."""
    migrations = folder / "migrations"
    shutil.copytree(schema.migrations_dir(), migrations,
                    ignore=shutil.ignore_patterns("__pycache__"))
    old = schema.head_revision()
    new = f"{int(old) + 1:04d}"
    (migrations / "versions" / f"{new}_later.py").write_text(
        NOOP_MIGRATION.format(body=body, old=old, new=new), encoding="utf-8")
    monkeypatch.setattr(revisions, "migrations_dir", lambda: migrations)
    # known_revisions is cached for the process; use the uncached function on the new folder.
    monkeypatch.setattr(revisions, "known_revisions", revisions.known_revisions.__wrapped__)
    assert schema.head_revision() == new
    return new


def version_of(url: str) -> str | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return schema.current_revision(conn)
    finally:
        engine.dispose()


def execute(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def sqlite_file(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:") else None


def backups_beside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.stem}.backup-*{path.suffix}"))


def count_in_file(path: Path, table: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


# --- a schema newer than this app -------------------------------------------------------------


def test_a_newer_schema_opens_read_only_and_still_reads(database_url: str) -> None:
    execute(database_url, "UPDATE alembic_version SET version_num = '9999'")
    db = open_database(database_url)
    try:
        assert db.read_only
        assert "新しい版" in db.read_only_reason
        assert "9999" in db.read_only_reason
        assert "閲覧のみ" in db.read_only_reason
        with pytest.raises(ReadOnlyDatabase) as info, db.writing(SYSTEM):
            pytest.fail("a write session was opened on a read-only database")
        assert info.value.message == db.read_only_reason
        with pytest.raises(ReadOnlyDatabase):
            svc.create_contact(db, SYSTEM, svc.ContactDraft(kind=svc.ContactKind.PERSON, name="佐藤 花子"))
        assert len(svc.search_facilities(db, SYSTEM)) == 8
        # Even a write that goes around the services is refused by the connection itself.
        with pytest.raises(DBAPIError), db.engine.begin() as conn:
            conn.execute(text("UPDATE facilities SET name = 'x'"))
        assert svc.search_facilities(db, SYSTEM)[0].name == "東部市民サービスセンター"
    finally:
        db.dispose()
    assert version_of(database_url) == "9999"
    if (path := sqlite_file(database_url)) is not None:
        assert backups_beside(path) == []


# --- an older schema --------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_older_sqlite_database_is_backed_up_then_upgraded(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = sqlite_file(database_url)
    assert path is not None
    db = open_database(database_url)
    svc.create_contact(db, SYSTEM, svc.ContactDraft(kind=svc.ContactKind.PERSON, name="佐藤 花子"))
    db.dispose()
    assert backups_beside(path) == []

    head = install_newer_app(monkeypatch, tmp_path / "app")
    db = open_database(database_url)
    try:
        assert not db.read_only
        assert [e.name for e in svc.search_contacts(db, SYSTEM, "佐藤").entries] == ["佐藤 花子"]
    finally:
        db.dispose()
    assert version_of(database_url) == head

    [backup] = backups_beside(path)
    assert BACKUP_NAME.match(backup.name), backup.name
    conn = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == CURRENT
        assert conn.execute("SELECT count(*) FROM facilities").fetchone()[0] == 8
        assert conn.execute("SELECT name FROM contacts").fetchall() == [("佐藤 花子",)]
    finally:
        conn.close()

    open_database(database_url).dispose()  # current now: no second backup
    assert backups_beside(path) == [backup]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_an_older_postgresql_database_is_upgraded(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    head = install_newer_app(monkeypatch, tmp_path / "app")
    db = open_database(database_url)
    try:
        assert not db.read_only
        assert len(svc.search_facilities(db, SYSTEM)) == 8
    finally:
        db.dispose()
    assert version_of(database_url) == head


def test_an_older_database_is_not_upgraded_without_migrate(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_newer_app(monkeypatch, tmp_path / "app")
    with pytest.raises(StartupError) as info:
        open_database(database_url, migrate=False)
    assert f"{CURRENT} → {int(CURRENT) + 1:04d}" in info.value.message
    assert "kyodo-desk db upgrade" in info.value.message
    assert version_of(database_url) == CURRENT
    if (path := sqlite_file(database_url)) is not None:
        assert backups_beside(path) == []


def test_a_failing_migration_leaves_the_database_as_it_was(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_newer_app(monkeypatch, tmp_path / "app", body=(
        '    op.execute("CREATE TABLE half_done (x INTEGER)")\n'
        '    op.execute("THIS IS NOT SQL")'
    ))
    with pytest.raises(StartupError):
        open_database(database_url)
    assert version_of(database_url) == CURRENT
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert not inspect(conn).has_table("half_done")
            assert conn.execute(text("SELECT count(*) FROM facilities")).scalar() == 8
    finally:
        engine.dispose()
    if (path := sqlite_file(database_url)) is not None:
        [backup] = backups_beside(path)  # the copy made before the attempt is kept
        assert count_in_file(backup, "facilities") == 8


# --- backups only when there is something to keep ----------------------------------------------


def test_opening_a_current_database_makes_no_backup(tmp_path: Path) -> None:
    path = tmp_path / "kyodo-desk.sqlite3"
    open_database(f"sqlite:///{path}").dispose()
    before = backups_beside(path)
    open_database(f"sqlite:///{path}").dispose()
    open_database(f"sqlite:///{path}").dispose()
    assert backups_beside(path) == before


def test_first_start_makes_no_backup_of_an_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "kyodo-desk.sqlite3"
    open_database(f"sqlite:///{path}").dispose()
    assert backups_beside(path) == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_upgrade_writes_a_timestamped_backup_that_opens(database_url: str) -> None:
    path = sqlite_file(database_url)
    assert path is not None
    db = open_database(database_url)
    try:
        backup = schema.upgrade(db, seed=False)
    finally:
        db.dispose()
    assert backup is not None
    assert backup.parent == path.parent
    assert BACKUP_NAME.match(backup.name), backup.name
    assert backups_beside(path) == [backup]
    assert count_in_file(backup, "facilities") == 8
    assert count_in_file(path, "facilities") == 8  # seed=False: nothing added twice


# --- migrate=False on an empty database ----------------------------------------------------------


def test_an_empty_database_is_not_created_without_migrate(empty_url: str) -> None:
    with pytest.raises(StartupError) as info:
        open_database(empty_url, migrate=False)
    assert "kyodo-desk db upgrade" in info.value.message
    assert "未作成" in info.value.message
    engine = create_engine(empty_url)
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


# --- the shipped migrations ----------------------------------------------------------------------


def test_migrations_are_one_line_ending_at_the_apps_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(schema.migrations_dir()))
    scripts = ScriptDirectory.from_config(config)
    assert scripts.get_heads() == [schema.head_revision()]
    assert len(scripts.get_bases()) == 1
    chain = list(reversed(list(scripts.walk_revisions())))
    assert tuple(s.revision for s in chain) == schema.known_revisions()
    for earlier, later in itertools.pairwise(chain):
        assert later.down_revision == earlier.revision
    for script in chain:
        assert Path(script.path).name.startswith(f"{script.revision}_"), script.path


def _described_by_models(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    """Leave out what only migrations make: SQLite's FTS5 tables, PostgreSQL's GIN indexes."""
    if type_ == "table" and name.startswith(("contacts_fts", "consultations_fts")):
        return False
    return not (type_ == "index" and name in {"ix_contacts_grams", "ix_consultations_grams",
                                              "ix_contacts_trigrams"})


def test_migrated_tables_match_the_models(empty_url: str) -> None:
    open_database(empty_url).dispose()
    engine = create_engine(empty_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_object": _described_by_models,
            })
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
