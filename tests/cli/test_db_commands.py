"""`kyodo-desk db upgrade|backup|status`: what the administrator sees, and the exit codes."""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from kyodo_desk import cli, config, paths
from kyodo_desk.database import open_database, schema
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import contacts as svc
from tests.database.test_damaged_files import leaf_pages, make_backup, posix_modes, spoil_pages
from tests.database.test_schema import install_newer_app

SYSTEM = Actor.system()
CURRENT = schema.head_revision()


@pytest.fixture
def sqlite_copy(template_databases: dict[str, str], tmp_path: Path) -> Path:
    target = tmp_path / "kyodo-desk.sqlite3"
    shutil.copyfile(template_databases["sqlite"], target)
    return target


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_error(err: str) -> None:
    assert err.startswith("エラー: ")
    assert "Traceback" not in err
    assert "sqlalchemy" not in err.lower().split("詳細")[0]


def scalar_in_file(path: Path, sql: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


# --- status and upgrade ---------------------------------------------------------------------------


def test_status_asks_for_upgrade_then_upgrade_creates_the_database(
        capsys: pytest.CaptureFixture[str], empty_url: str) -> None:
    code, out, err = run(capsys, "--database", empty_url, "db", "status")
    assert code == 2
    assert_clean_error(err)
    assert "kyodo-desk db upgrade" in err
    assert out == ""

    code, out, err = run(capsys, "--database", empty_url, "db", "upgrade")
    assert code == 0, err
    assert f"形式の版: {CURRENT}（この版の協働デスク: {CURRENT}）" in out

    code, out, err = run(capsys, "db", "status", "--database", empty_url)  # option after too
    assert code == 0, err
    assert out.splitlines()[0].startswith("接続先: ")
    assert f"形式の版: {CURRENT}" in out
    db = open_database(empty_url)
    try:
        assert len(svc.search_facilities(db, SYSTEM)) == 8
    finally:
        db.dispose()


def test_status_names_the_embedded_file_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0
    code, out, _ = run(capsys, "db", "status")
    assert code == 0
    assert f"接続先: SQLite: {config.default_sqlite_path()}" in out


def test_status_follows_the_environment_and_the_config_file(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    configured = tmp_path / "configured.sqlite3"
    from_env = tmp_path / "from-env.sqlite3"
    config.config_file().parent.mkdir(parents=True, exist_ok=True)
    config.config_file().write_text(f'[database]\nurl = "sqlite:///{configured}"\n',
                                    encoding="utf-8")
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0
    assert f"SQLite: {configured}" in out
    monkeypatch.setenv("KYODO_DATABASE_URL", f"sqlite:///{from_env}")
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0
    assert f"SQLite: {from_env}" in out
    assert not config.default_sqlite_path().exists()


def test_a_broken_config_file_is_reported_without_a_traceback(
        capsys: pytest.CaptureFixture[str]) -> None:
    path = config.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[database\n", encoding="utf-8")
    code, _, err = run(capsys, "db", "status")
    assert code == 2
    assert_clean_error(err)
    assert str(path) in err


def test_status_shows_why_a_newer_database_is_read_only(
        capsys: pytest.CaptureFixture[str], sqlite_copy: Path) -> None:
    conn = sqlite3.connect(sqlite_copy)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.commit()
    conn.close()
    code, out, err = run(capsys, "--database", f"sqlite:///{sqlite_copy}", "db", "status")
    assert code == 0, err
    assert f"形式の版: 9999（この版の協働デスク: {CURRENT}）" in out
    assert "新しい版" in out


def test_upgrade_backs_up_an_older_sqlite_database_first(
        capsys: pytest.CaptureFixture[str], sqlite_copy: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    install_newer_app(monkeypatch, tmp_path / "app")
    url = f"sqlite:///{sqlite_copy}"
    code, _, err = run(capsys, "--database", url, "db", "status")
    assert code == 2
    assert f"{CURRENT} → {int(CURRENT) + 1:04d}" in err

    code, out, err = run(capsys, "--database", url, "db", "upgrade")
    assert code == 0, err
    assert f"形式の版: {int(CURRENT) + 1:04d}" in out
    [backup] = sorted(tmp_path.glob("kyodo-desk.backup-*.sqlite3"))
    assert scalar_in_file(backup, "SELECT count(*) FROM facilities") == 8


# --- damaged files and impossible folders -----------------------------------------------------------


def test_a_corrupt_default_file_gives_a_message_not_a_traceback(
        capsys: pytest.CaptureFixture[str]) -> None:
    path = config.default_sqlite_path()
    path.parent.mkdir(parents=True)
    path.write_bytes(os.urandom(8192))
    before = path.read_bytes()

    code, out, err = run(capsys, "db", "status")

    assert code == 2
    assert_clean_error(err)
    assert str(path) in err
    assert "バックアップ" in err
    assert out == ""
    assert path.read_bytes() == before
    log = paths.log_path().read_text(encoding="utf-8")  # the detail is kept for the admin
    assert "file is not a database" in log


def test_a_data_folder_that_cannot_be_created_gives_a_message(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    monkeypatch.setenv("KYODO_DATA_DIR", str(tmp_path / "file" / "data"))
    code, _, err = run(capsys, "db", "upgrade")
    assert code == 2
    assert_clean_error(err)
    assert str(tmp_path / "file" / "data") in err


def test_an_unreachable_server_gives_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--database", "postgresql://postgres@127.0.0.1:1/nothing",
                       "db", "status")
    assert code == 2
    assert_clean_error(err)
    assert "127.0.0.1:1" in err


# --- backup ----------------------------------------------------------------------------------------------


def test_backup_writes_a_consistent_copy(capsys: pytest.CaptureFixture[str],
                                         sqlite_copy: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{sqlite_copy}"
    db = open_database(url)  # still open, its latest write only in the WAL
    try:
        svc.create_contact(db, SYSTEM, svc.ContactDraft(kind=svc.ContactKind.PERSON, name="佐藤 花子"))
        target = tmp_path / "backups" / "2026-11-25.sqlite3"
        code, out, err = run(capsys, "--database", url, "db", "backup", str(target))
    finally:
        db.dispose()

    assert code == 0, err
    assert str(target) in out
    assert scalar_in_file(target, "PRAGMA integrity_check") == "ok"
    assert scalar_in_file(target, "SELECT count(*) FROM facilities") == 8
    assert scalar_in_file(target, "SELECT count(*) FROM contacts") == 1
    restored = open_database(f"sqlite:///{target}")
    try:
        assert not restored.read_only
        assert len(svc.search_facilities(restored, SYSTEM)) == 8
        assert [e.name for e in svc.search_contacts(restored, SYSTEM, "花子").entries] == ["佐藤 花子"]
    finally:
        restored.dispose()


def test_backup_never_overwrites_a_file(capsys: pytest.CaptureFixture[str],
                                        sqlite_copy: Path, tmp_path: Path) -> None:
    target = tmp_path / "keep-me.sqlite3"
    target.write_bytes(b"yesterday's backup")
    code, out, err = run(capsys, "--database", f"sqlite:///{sqlite_copy}", "db", "backup",
                         str(target))
    assert code == 2
    assert_clean_error(err)
    assert str(target) in err
    assert "既にあります" in err
    assert out == ""
    assert target.read_bytes() == b"yesterday's backup"


def test_backup_of_a_missing_file_is_refused(capsys: pytest.CaptureFixture[str],
                                             tmp_path: Path) -> None:
    source = tmp_path / "none.sqlite3"
    code, _, err = run(capsys, "--database", f"sqlite:///{source}", "db", "backup",
                       str(tmp_path / "copy.sqlite3"))
    assert code == 2
    assert_clean_error(err)
    assert str(source) in err
    assert not source.exists()
    assert not (tmp_path / "copy.sqlite3").exists()


def test_backup_of_postgresql_points_to_pg_dump(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    target = tmp_path / "copy.sqlite3"
    code, _, err = run(capsys, "--database", "postgresql://kyodo@db-server/kyodo", "db",
                       "backup", str(target))
    assert code == 2
    assert_clean_error(err)
    assert "pg_dump" in err
    assert not target.exists()


# --- a damaged file: the newest intact backup and the exact command that restores it ------------


def restore_line(err: str) -> list[str]:
    """The command the message gives, as the words a shell would pass."""
    [line] = [line.strip() for line in err.splitlines() if line.strip().startswith("kyodo-desk ")]
    return shlex.split(line)


def test_an_empty_default_file_names_the_newest_backup_and_the_command_that_restores_it(
        capsys: pytest.CaptureFixture[str], template_databases: dict[str, str]) -> None:
    path = config.default_sqlite_path()
    path.parent.mkdir(parents=True)
    older = make_backup(path, "20261101-090000", Path(template_databases["sqlite"]))
    newest = make_backup(path, "20261124-180000", Path(template_databases["sqlite"]))
    path.write_bytes(b"")

    code, out, err = run(capsys, "db", "status")

    assert code == 2
    assert_clean_error(err)
    assert out == ""
    assert f"「{path}」" in err and "空のファイル（0 バイト）" in err
    assert f"最新の正常なバックアップ: {newest}（2026年11月24日 18:00に作成）" in err
    words = restore_line(err)
    assert words == ["kyodo-desk", "db", "restore", str(newest)]
    assert path.read_bytes() == b""
    assert older.exists()

    code, out, err = run(capsys, *words[1:])  # the command exactly as given
    assert code == 0, err
    code, out, err = run(capsys, "db", "status")
    assert code == 0, err
    assert scalar_in_file(path, "SELECT count(*) FROM facilities") == 8


def test_the_restore_command_keeps_the_database_option(
        capsys: pytest.CaptureFixture[str], sqlite_copy: Path) -> None:
    backup = make_backup(sqlite_copy, "20261124-180000")
    sqlite_copy.write_bytes(b"")
    url = f"sqlite:///{sqlite_copy}"

    code, _, err = run(capsys, "--database", url, "user", "list")

    assert code == 2
    assert restore_line(err) == ["kyodo-desk", "--database", url, "db", "restore", str(backup)]


def test_garbage_in_the_accounts_stops_every_command_at_open(
        capsys: pytest.CaptureFixture[str], sqlite_copy: Path) -> None:
    backup = make_backup(sqlite_copy, "20261124-180000")
    spoil_pages(sqlite_copy, leaf_pages(sqlite_copy, "accounts"))
    before = sqlite_copy.read_bytes()

    code, out, err = run(capsys, "--database", f"sqlite:///{sqlite_copy}", "user", "list")

    assert code == 2
    assert_clean_error(err)
    assert out == ""
    assert "壊れている" in err and str(backup) in err
    assert sqlite_copy.read_bytes() == before


def test_a_backup_of_a_damaged_database_is_refused_and_no_copy_is_left(
        capsys: pytest.CaptureFixture[str], sqlite_copy: Path, tmp_path: Path) -> None:
    spoil_pages(sqlite_copy, leaf_pages(sqlite_copy, "audit_log")[:1])  # not read at open
    before = sqlite_copy.read_bytes()
    target = tmp_path / "backups" / "2026-11-25.sqlite3"

    code, out, err = run(capsys, "--database", f"sqlite:///{sqlite_copy}", "db", "backup",
                         str(target))

    assert code == 2
    assert_clean_error(err)
    assert out == ""
    assert f"「{sqlite_copy}」" in err and "壊れている" in err
    assert list(target.parent.iterdir()) == []
    assert sqlite_copy.read_bytes() == before


@posix_modes
def test_a_backup_and_the_folder_made_for_it_are_the_users_alone(
        capsys: pytest.CaptureFixture[str], sqlite_copy: Path, tmp_path: Path) -> None:
    sqlite_copy.chmod(0o644)  # a database made by an older version
    target = tmp_path / "backups" / "2026-11-25.sqlite3"
    code, _, err = run(capsys, "--database", f"sqlite:///{sqlite_copy}", "db", "backup",
                       str(target))
    assert code == 0, err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700


@posix_modes
def test_the_data_folder_made_by_the_first_command_is_the_users_alone(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "db", "upgrade")[0] == 0
    folder = config.default_sqlite_path().parent
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(config.default_sqlite_path().stat().st_mode) == 0o600
