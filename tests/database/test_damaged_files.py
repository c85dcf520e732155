"""A damaged SQLite file, as opening it meets it: refused with the newest intact backup named,
never written to; and every file the app makes from it is the user's alone."""

from __future__ import annotations

import multiprocessing
import random
import shutil
import sqlite3
import stat
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kyodo_desk.database import StartupError, open_database, sqlite_files
from kyodo_desk.domain.dates import DateStyle, use_date_style
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.models import Facility
from kyodo_desk.services import contacts as svc
from kyodo_desk.services.demo import add_demo_contacts
from tests.database.test_schema import install_newer_app

SYSTEM = Actor.system()
posix_modes = pytest.mark.skipif(sys.platform == "win32",
                                 reason="Windows keeps the profile folder's access list")


# --- helpers shared with the command-line and window tests -------------------------------------


@pytest.fixture(scope="module")
def filled_template(template_databases: dict[str, str],
                    tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeded template with 1,000 made-up contacts: tables of several pages each."""
    path = tmp_path_factory.mktemp("filled") / "kyodo-desk.sqlite3"
    shutil.copyfile(template_databases["sqlite"], path)
    db = open_database(f"sqlite:///{path}")
    try:
        add_demo_contacts(db, Actor.command_line(), 1000, seed=7)
    finally:
        db.dispose()  # the last connection folds the WAL into the file
    return path


@pytest.fixture
def filled(filled_template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data" / "kyodo-desk.sqlite3"
    target.parent.mkdir()
    shutil.copyfile(filled_template, target)
    return target


def leaf_pages(path: Path, table: str) -> list[int]:
    """The pages that hold *table*'s rows, first rows first (SQLite's dbstat)."""
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY path",
            (table,))]
    finally:
        conn.close()


def spoil_pages(path: Path, pages: list[int]) -> None:
    """Overwrite whole pages with the same random bytes every run, as a failing disk might."""
    size = 4096
    data = bytearray(path.read_bytes())
    for page in pages:
        data[(page - 1) * size:page * size] = random.Random(page).randbytes(size)
    path.write_bytes(bytes(data))


def make_backup(path: Path, stamp: str, source: Path | None = None) -> Path:
    """A timestamped backup beside *path*, as a migration or `db restore` names it."""
    backup = path.with_name(f"{path.stem}.backup-{stamp}{path.suffix}")
    shutil.copyfile(source or path, backup)
    return backup


def backups_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".backup-" in p.name)


def facility_count(db) -> int:  # type: ignore[no-untyped-def]
    with db.reading(None) as session:
        return session.scalar(select(func.count()).select_from(Facility))


# --- refused at open, never written to -----------------------------------------------------------


def test_a_zero_length_file_is_refused_not_made_a_new_database(tmp_path: Path) -> None:
    path = tmp_path / "kyodo-desk.sqlite3"
    path.write_bytes(b"")

    with pytest.raises(StartupError) as info:
        open_database(f"sqlite:///{path}")

    message = info.value.message
    assert f"「{path}」" in message
    assert "空のファイル（0 バイト）" in message
    assert "バックアップ" in message
    assert path.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kyodo-desk.sqlite3"]


def test_a_missing_file_is_still_created_with_the_facilities(tmp_path: Path) -> None:
    path = tmp_path / "new" / "kyodo-desk.sqlite3"
    db = open_database(f"sqlite:///{path}")
    try:
        assert facility_count(db) == 8
    finally:
        db.dispose()
    assert sorted(p.name for p in path.parent.iterdir()) == ["kyodo-desk.sqlite3"]


def _open_and_count(url: str, start, results) -> None:  # type: ignore[no-untyped-def]
    start.wait()
    try:
        db = open_database(url)
        try:
            results.put(facility_count(db))
        finally:
            db.dispose()
    except Exception as exc:
        results.put(f"{type(exc).__name__}: {exc}")


def test_two_starts_creating_the_same_new_file_both_open_it(tmp_path: Path) -> None:
    """The new file is never seen empty by the other start (it would be refused as damaged)."""
    url = f"sqlite:///{tmp_path / 'kyodo-desk.sqlite3'}"
    spawn = multiprocessing.get_context("spawn")
    start, results = spawn.Barrier(2), spawn.Queue()
    workers = [spawn.Process(target=_open_and_count, args=(url, start, results))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert outcomes == [8, 8]


def test_a_truncated_file_is_refused_and_kept(filled: Path) -> None:
    data = filled.read_bytes()
    filled.write_bytes(data[:-3 * 4096])  # a copy cut short, a disk that filled up
    before = filled.read_bytes()

    with pytest.raises(StartupError) as info:
        open_database(f"sqlite:///{filled}")

    assert "途中で切れています" in info.value.message
    assert filled.read_bytes() == before
    assert backups_in(filled.parent) == []


def test_garbage_in_the_accounts_is_refused_at_open(filled: Path) -> None:
    spoil_pages(filled, leaf_pages(filled, "accounts"))
    before = filled.read_bytes()

    with pytest.raises(StartupError) as info:
        open_database(f"sqlite:///{filled}")

    assert f"「{filled}」" in info.value.message
    assert "「アカウント」の部分に壊れた箇所があります" in info.value.message
    assert filled.read_bytes() == before


def test_garbage_deep_in_a_large_table_is_said_when_met_and_found_by_the_whole_check(
        filled: Path) -> None:
    backup = make_backup(filled, "20261120-170000")
    pages = leaf_pages(filled, "contacts")
    spoil_pages(filled, pages[len(pages) // 2:len(pages) // 2 + 3])

    db = open_database(f"sqlite:///{filled}")  # the open stays fast: it reads no contact
    try:
        with pytest.raises(StartupError) as info:
            for term in ("", "佐藤", "秋田"):
                svc.search_contacts(db, SYSTEM, term, limit=5000)
    finally:
        db.dispose()

    assert f"最新の正常なバックアップ: {backup}（2026年11月20日 17:00に作成）" \
        in info.value.message
    found = sqlite_files.WholeFileCheck(filled).run()
    assert found is not None and found.backup == backup


def test_an_intact_file_passes_the_whole_check(filled: Path) -> None:
    assert sqlite_files.WholeFileCheck(filled).run() is None


def test_a_stopped_whole_check_gives_no_verdict(filled: Path) -> None:
    check = sqlite_files.WholeFileCheck(filled)
    check.stop()
    assert check.run() is None


def test_the_newest_intact_backup_is_named_and_damaged_ones_are_passed_over(
        filled: Path) -> None:
    good = filled.with_name("good.sqlite3")
    shutil.copyfile(filled, good)
    make_backup(filled, "20261101-090000", good)
    newest_good = make_backup(filled, "20261120-090000", good)
    make_backup(filled, "20261120-090000-2", good).write_bytes(b"")  # a kept damaged file
    spoiled = make_backup(filled, "20261125-090000", good)
    spoil_pages(spoiled, leaf_pages(spoiled, "contacts")[:2])
    filled.write_bytes(b"")

    with pytest.raises(StartupError) as info:
        open_database(f"sqlite:///{filled}")

    assert f"最新の正常なバックアップ: {newest_good}（2026年11月20日 9:00に作成）" \
        in info.value.message


def test_a_backups_time_is_written_in_the_calendar_the_city_chose(tmp_path: Path) -> None:
    use_date_style(DateStyle.ERA)
    try:
        shown = sqlite_files.backup_time(tmp_path / "kyodo-desk.backup-20261120-090500.sqlite3")
    finally:
        use_date_style(None)

    assert shown == "令和8年11月20日 9:05"


def test_a_backup_renamed_to_no_real_time_is_said_to_have_none(tmp_path: Path) -> None:
    renamed = tmp_path / "kyodo-desk.backup-20261340-090000.sqlite3"

    assert sqlite_files.backup_time(renamed) == "日時不明"


def test_the_migration_backup_of_a_damaged_file_is_refused_and_nothing_migrated(
        filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pages = leaf_pages(filled, "contacts")
    spoil_pages(filled, pages[1:3])
    before = filled.read_bytes()
    install_newer_app(monkeypatch, tmp_path / "app")

    with pytest.raises(StartupError) as info:
        open_database(f"sqlite:///{filled}")

    assert "バックアップの点検で壊れた箇所" in info.value.message
    assert filled.read_bytes() == before
    assert backups_in(filled.parent) == []  # a damaged copy never poses as a backup


def test_a_folder_in_place_of_the_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "kyodo-desk.sqlite3").mkdir()
    with pytest.raises(StartupError) as info:
        open_database(f"sqlite:///{tmp_path / 'kyodo-desk.sqlite3'}")
    assert "フォルダか特殊なファイル" in info.value.message


# --- readable by the user only -------------------------------------------------------------------


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_modes
def test_the_database_its_wal_and_its_folder_are_the_users_alone(tmp_path: Path) -> None:
    path = tmp_path / "data" / "kyodo-desk.sqlite3"
    db = open_database(f"sqlite:///{path}")
    try:
        facility_count(db)  # an open connection keeps the -wal and -shm in place
        files = {p.name: mode_of(p) for p in path.parent.iterdir()}
    finally:
        db.dispose()
    assert files == {"kyodo-desk.sqlite3": 0o600, "kyodo-desk.sqlite3-wal": 0o600,
                     "kyodo-desk.sqlite3-shm": 0o600}
    assert mode_of(path.parent) == 0o700


@posix_modes
def test_the_backup_before_a_migration_is_the_users_alone(
        filled: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    filled.chmod(0o644)  # a file made by an older version
    install_newer_app(monkeypatch, tmp_path / "app")
    open_database(f"sqlite:///{filled}").dispose()
    [backup] = filled.parent.glob("kyodo-desk.backup-*.sqlite3")
    assert mode_of(backup) == 0o600


def test_a_header_check_is_skipped_while_a_wal_holds_the_newest_pages(tmp_path: Path) -> None:
    """A file in use (its WAL not yet folded in) is not mistaken for a truncated one."""
    path = tmp_path / "kyodo-desk.sqlite3"
    db = open_database(f"sqlite:///{path}")
    try:
        add_demo_contacts(db, Actor.command_line(), 200, seed=3)
        sqlite_files.check_existing_file(path)  # while the app is open, as `db backup` does
    finally:
        db.dispose()
