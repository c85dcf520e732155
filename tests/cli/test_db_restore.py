"""`kyodo-desk db restore FILE`: a backup replaces the SQLite database, the data it replaces is
kept beside it first, and anything but an intact Kyodo Desk backup is refused untouched."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from kyodo_desk import cli
from kyodo_desk.database import open_database, schema
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import contacts as svc
from tests.database.test_damaged_files import posix_modes
from tests.database.test_schema import install_newer_app

SYSTEM = Actor.system()
BACKUP_NAME = re.compile(r"^kyodo-desk\.backup-\d{8}-\d{6}(-\d+)?\.sqlite3$")


@pytest.fixture
def current(template_databases: dict[str, str], tmp_path: Path) -> Path:
    """The database in use: a copy of the seeded template in its own folder."""
    target = tmp_path / "data" / "kyodo-desk.sqlite3"
    target.parent.mkdir()
    shutil.copyfile(template_databases["sqlite"], target)
    return target


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def restore(capsys: pytest.CaptureFixture[str], current: Path,
            source: Path) -> tuple[int, str, str]:
    return run(capsys, "--database", f"sqlite:///{current}", "db", "restore", str(source))


def assert_clean_error(err: str) -> None:
    assert err.startswith("エラー: ")
    assert "Traceback" not in err


def contact_names(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT name FROM contacts ORDER BY id")]
    finally:
        conn.close()


def add_contact(path: Path, name: str) -> None:
    db = open_database(f"sqlite:///{path}")
    try:
        svc.create_contact(db, SYSTEM, svc.ContactDraft(kind=svc.ContactKind.PERSON, name=name))
    finally:
        db.dispose()


def safety_copies(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if BACKUP_NAME.match(p.name))


def test_restore_brings_the_backup_back_and_keeps_what_it_replaced(
        capsys: pytest.CaptureFixture[str], current: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backups" / "2026-11-24.sqlite3"
    code, _, err = run(capsys, "--database", f"sqlite:///{current}", "db", "backup", str(backup))
    assert code == 0, err
    add_contact(current, "佐藤 花子")
    assert contact_names(current) == ["佐藤 花子"]

    code, out, err = restore(capsys, current, backup)

    assert code == 0, err
    [safety] = safety_copies(current.parent)
    assert out.splitlines() == [f"{backup} から {current} に復元しました。",
                                f"復元前のデータは {safety} に保存しました。"]
    assert contact_names(current) == []
    assert contact_names(safety) == ["佐藤 花子"]
    for path in (current, safety):
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    db = open_database(f"sqlite:///{current}")  # the app opens the restored data as usual
    try:
        assert not db.read_only
        assert len(svc.search_facilities(db, SYSTEM)) == 8
        assert svc.search_contacts(db, SYSTEM, "花子").entries == []
    finally:
        db.dispose()


def test_restore_reaches_a_database_that_is_open(capsys: pytest.CaptureFixture[str],
                                                 current: Path, tmp_path: Path) -> None:
    backup = tmp_path / "backup.sqlite3"
    assert run(capsys, "--database", f"sqlite:///{current}", "db", "backup", str(backup))[0] == 0
    db = open_database(f"sqlite:///{current}")
    try:
        svc.create_contact(db, SYSTEM, svc.ContactDraft(kind=svc.ContactKind.PERSON, name="鈴木 一郎"))
        code, _, err = restore(capsys, current, backup)
        assert code == 0, err
        assert svc.search_contacts(db, SYSTEM, "一郎").entries == []  # the same engine sees it
    finally:
        db.dispose()
    [safety] = safety_copies(current.parent)
    assert contact_names(safety) == ["鈴木 一郎"]


def _foreign(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('家計簿')")
    conn.commit()
    conn.close()


def _alembic_only(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    conn.execute("INSERT INTO alembic_version VALUES ('0001')")
    conn.commit()
    conn.close()


def _with_revision(revision: str):  # type: ignore[no-untyped-def]
    def make(path: Path, template: Path) -> None:
        shutil.copyfile(template, path)
        conn = sqlite3.connect(path)
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))
        conn.commit()
        conn.close()
    return make


def _damaged(path: Path, template: Path) -> None:
    data = bytearray(template.read_bytes())
    page = 4096
    for offset in range(page * 2, min(len(data), page * 6)):  # wreck a few table pages
        data[offset] = 0xA5
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("make", "expected"), [
    (None, "がありません"),
    (lambda p, t: p.write_bytes(b""), "SQLite のデータベースではありません"),
    (lambda p, t: p.write_bytes(os.urandom(8192)), "SQLite のデータベースではありません"),
    (lambda p, t: p.write_text("名前,電話\n", encoding="utf-8"), "SQLite のデータベースではありません"),
    (_damaged, "壊れている"),
    (lambda p, t: _foreign(p), "協働デスクのデータベースではありません"),
    (lambda p, t: _alembic_only(p), "協働デスクのデータベースではありません"),
    (_with_revision("9999"), "新しい版の協働デスクで作られた"),
    (_with_revision("abc1"), "知らない形式"),
], ids=["missing", "empty", "random", "csv", "damaged", "foreign", "alembic-only", "newer",
        "unknown"])
def test_a_file_that_is_not_a_good_backup_is_refused_and_nothing_changes(
        capsys: pytest.CaptureFixture[str], current: Path, tmp_path: Path,
        template_databases: dict[str, str], make, expected: str) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "offered.sqlite3"
    if make is not None:
        make(source, Path(template_databases["sqlite"]))
    add_contact(current, "佐藤 花子")
    before = {p.name: p.read_bytes() for p in current.parent.iterdir() if p.is_file()}

    code, out, err = restore(capsys, current, source)

    assert code == 2
    assert_clean_error(err)
    assert expected in err
    assert str(source) in err
    assert out == ""
    assert {p.name: p.read_bytes() for p in current.parent.iterdir() if p.is_file()} == before
    assert contact_names(current) == ["佐藤 花子"]


def test_the_newer_backup_message_says_what_to_do(capsys: pytest.CaptureFixture[str],
                                                  current: Path, tmp_path: Path) -> None:
    source = tmp_path / "from-newer-app.sqlite3"
    _with_revision("9999")(source, current)
    _, _, err = restore(capsys, current, source)
    assert f"形式の版 9999、この版は {schema.head_revision()} まで" in err
    assert "協働デスクを更新してから復元" in err


def test_a_backup_of_an_older_version_is_restored_and_upgraded_at_the_next_start(
        capsys: pytest.CaptureFixture[str], current: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    backup = tmp_path / "old.sqlite3"
    shutil.copyfile(current, backup)
    newer = install_newer_app(monkeypatch, tmp_path / "app")
    code, _, err = restore(capsys, current, backup)
    assert code == 0, err
    code, out, err = run(capsys, "--database", f"sqlite:///{current}", "db", "upgrade")
    assert code == 0, err
    assert f"形式の版: {newer}" in out


def test_a_damaged_current_database_is_replaced_and_its_bytes_kept(
        capsys: pytest.CaptureFixture[str], current: Path, tmp_path: Path) -> None:
    backup = tmp_path / "good.sqlite3"
    shutil.copyfile(current, backup)
    current.write_bytes(os.urandom(8192))
    damaged = current.read_bytes()

    code, out, err = restore(capsys, current, backup)

    assert code == 0, err
    [safety] = safety_copies(current.parent)
    assert safety.read_bytes() == damaged
    assert str(safety) in out
    db = open_database(f"sqlite:///{current}")
    try:
        assert len(svc.search_facilities(db, SYSTEM)) == 8
    finally:
        db.dispose()


def test_restore_onto_a_new_pc_without_a_database(capsys: pytest.CaptureFixture[str],
                                                  current: Path, tmp_path: Path) -> None:
    target = tmp_path / "new-pc" / "kyodo-desk.sqlite3"
    code, out, err = restore(capsys, target, current)
    assert code == 0, err
    assert out.splitlines() == [f"{current} から {target} に復元しました。"]
    assert contact_names(target) == []
    assert safety_copies(target.parent) == []


def test_the_database_in_use_cannot_be_restored_onto_itself(
        capsys: pytest.CaptureFixture[str], current: Path) -> None:
    before = current.read_bytes()
    code, _, err = restore(capsys, current, current)
    assert code == 2
    assert_clean_error(err)
    assert current.read_bytes() == before
    assert safety_copies(current.parent) == []


def test_restore_of_postgresql_points_to_pg_restore(capsys: pytest.CaptureFixture[str],
                                                    current: Path) -> None:
    before = current.read_bytes()
    code, out, err = run(capsys, "--database", "postgresql://kyodo@db-server/kyodo", "db",
                         "restore", str(current))
    assert code == 2
    assert_clean_error(err)
    assert "pg_restore" in err
    assert out == ""
    assert current.read_bytes() == before


def test_restore_follows_the_configured_database(capsys: pytest.CaptureFixture[str],
                                                 current: Path, tmp_path: Path) -> None:
    from kyodo_desk import config

    config.save_database_settings(config.DatabaseSettings(url=f"sqlite:///{current.as_posix()}"))
    backup = tmp_path / "backup.sqlite3"
    assert run(capsys, "db", "backup", str(backup))[0] == 0
    add_contact(current, "田中 次郎")
    code, out, err = run(capsys, "db", "restore", str(backup))
    assert code == 0, err
    assert str(current) in out
    assert contact_names(current) == []
    assert not config.default_sqlite_path().exists()


def test_an_empty_current_file_is_restored_over_and_kept_aside(
        capsys: pytest.CaptureFixture[str], current: Path, tmp_path: Path) -> None:
    backup = tmp_path / "good.sqlite3"
    shutil.copyfile(current, backup)
    current.write_bytes(b"")

    code, out, err = restore(capsys, current, backup)

    assert code == 0, err
    [safety] = safety_copies(current.parent)
    assert safety.read_bytes() == b""
    assert str(safety) in out
    assert contact_names(current) == []


@posix_modes
@pytest.mark.parametrize("state", ["intact", "damaged"])
def test_the_restored_database_and_the_copy_kept_are_the_users_alone(
        capsys: pytest.CaptureFixture[str], current: Path, tmp_path: Path, state: str) -> None:
    backup = tmp_path / "good.sqlite3"
    shutil.copyfile(current, backup)
    if state == "damaged":
        current.write_bytes(os.urandom(8192))
    current.chmod(0o644)  # made by an older version

    code, _, err = restore(capsys, current, backup)

    assert code == 0, err
    [safety] = safety_copies(current.parent)
    assert stat.S_IMODE(safety.stat().st_mode) == 0o600
    if state == "damaged":  # replaced by a new file; an intact one is written into instead
        assert stat.S_IMODE(current.stat().st_mode) == 0o600
