"""`kyodo-desk db backup [FILE]` on either database, and each copy brought back: a SQLite copy
with `db restore`, a PostgreSQL dump (pg_dump's custom format) with pg_restore into a new
database, its audit log's chain intact."""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import make_url

from kyodo_desk import cli
from kyodo_desk.database import open_database
from kyodo_desk.database.audit_chain import verify
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import contacts as svc

SYSTEM = Actor.system()
DATED = {"sqlite": re.compile(r"^kyodo-desk\.backup-\d{8}-\d{6}\.sqlite3$"),
         "postgresql": re.compile(r"^kyodo_test_\w+-\d{8}-\d{6}\.dump$")}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def names(url: str) -> list[str]:
    db = open_database(url, migrate=False)
    try:
        return sorted(e.name for e in svc.search_contacts(db, SYSTEM, "").entries)
    finally:
        db.dispose()


def audit_rows_and_chain(url: str) -> tuple[int, bool]:
    from sqlalchemy import text

    db = open_database(url, migrate=False)
    try:
        with db.reading(None) as session:
            rows = session.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
            return rows, verify(session.connection()).intact
    finally:
        db.dispose()


def restore_dump(dump: Path, into_url: str) -> None:
    """What README「Backups」tells the administrator to run, into an empty database."""
    target = make_url(into_url).set(drivername="postgresql").render_as_string(
        hide_password=False)
    subprocess.run(["pg_restore", "--no-owner", f"--dbname={target}", str(dump)], check=True,
                   capture_output=True)


def test_a_backup_without_a_file_name_is_dated_and_comes_back_with_its_data(
        capsys: pytest.CaptureFixture[str], db, database_url: str, tmp_path: Path,  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    backend = "sqlite" if db.backend.is_sqlite else "postgresql"
    svc.create_contact(db, SYSTEM, svc.ContactDraft(kind=svc.ContactKind.PERSON, name="佐藤 花子"))
    before = audit_rows_and_chain(database_url)
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)

    code, out, err = run(capsys, "--database", database_url, "db", "backup")

    assert code == 0, err
    (made,) = here.iterdir()
    assert DATED[backend].match(made.name), made.name
    assert f"を {made.name} にバックアップしました" in out
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    svc.create_contact(db, SYSTEM, svc.ContactDraft(kind=svc.ContactKind.PERSON, name="田中 次郎"))

    if backend == "sqlite":
        db.dispose()
        path = database_url.removeprefix("sqlite:///")
        code, out, err = run(capsys, "--database", database_url, "db", "restore", str(made))
        assert code == 0, err
        restored = database_url
        assert f"{made} から {path} に復元しました。" in out
    else:
        assert "pg_dump のカスタム形式" in out
        assert f"pg_restore --no-owner -d データベース名 {made.name}" in out
        restored = request.getfixturevalue("fresh_pg_url")
        restore_dump(made, restored)
    assert audit_rows_and_chain(restored) == before  # every row, the chain intact
    assert before[1]
    assert names(restored) == ["佐藤 花子"]


def test_a_named_dump_is_written_there_and_never_over_a_file(
        capsys: pytest.CaptureFixture[str], fresh_pg_url: str, tmp_path: Path) -> None:
    open_database(fresh_pg_url).dispose()
    target = tmp_path / "new folder" / "kyodo.dump"
    code, out, err = run(capsys, "--database", fresh_pg_url, "db", "backup", str(target))
    assert code == 0, err
    assert str(target) in out
    assert target.read_bytes().startswith(b"PGDMP")  # pg_dump's custom format
    before = target.read_bytes()

    code, out, err = run(capsys, "--database", fresh_pg_url, "db", "backup", str(target))
    assert code == 2
    assert err.startswith("エラー: ") and "既にあります" in err
    assert target.read_bytes() == before


def test_without_pg_dump_it_says_what_to_install(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "--database", "postgresql://kyodo@db-server/kyodo",
                         "db", "backup")
    assert code == 2
    assert out == ""
    assert err.startswith("エラー: pg_dump が見つかりません。")
    assert "Command Line Tools" in err and "sudo apt install postgresql-client" in err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # no file begun


def test_a_dump_that_fails_leaves_no_file_and_says_why(
        capsys: pytest.CaptureFixture[str], fresh_pg_url: str, tmp_path: Path) -> None:
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    url = make_url(fresh_pg_url).set(username="no_such_role_h6").render_as_string(
        hide_password=False)
    target = tmp_path / "x.dump"
    code, out, err = run(capsys, "--database", url, "db", "backup", str(target))
    assert code == 2 and out == ""
    assert "pg_dump がバックアップを作れませんでした" in err
    assert 'role "no_such_role_h6" does not exist' in err
    assert not target.exists()


def test_a_command_goes_on_when_today_s_copy_fails_and_says_so(
        capsys: pytest.CaptureFixture[str], template_databases: dict[str, str],
        tmp_path: Path) -> None:
    from kyodo_desk.config import config_file

    database = tmp_path / "kyodo-desk.sqlite3"
    shutil.copyfile(template_databases["sqlite"], database)
    (tmp_path / "a-file").write_text("")
    config_file().parent.mkdir(parents=True)
    config_file().write_text(f"[backup]\nfolder = '{tmp_path / 'a-file'}'\n", encoding="utf-8")
    output = tmp_path / "facilities.csv"
    code, out, err = run(capsys, "--database", f"sqlite:///{database}", "export", "facilities",
                         "-o", str(output))
    assert code == 0, err
    assert output.exists() and "8 件の施設" in out
    assert err.startswith("注意: 今日のバックアップを作成できませんでした（作業は続けられます。")
    assert err.count("今日のバックアップ") == 1
