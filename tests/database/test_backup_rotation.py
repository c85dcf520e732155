"""The embedded database's daily copies (日次バックアップ): made at the day's first start, kept
7 daily, 4 weekly and 12 monthly over a simulated calendar, restorable, and never in the way
of a start when they fail."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import stat
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kyodo_desk import cli
from kyodo_desk.config import config_file
from kyodo_desk.database import backups, open_database, sqlite_files
from kyodo_desk.database.audit_chain import verify
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import contacts as svc

SYSTEM = Actor.system()
# Japanese holidays of the simulated month: 11-03 文化の日, and 11-02 taken off with it.
DAYS_OFF = {date(2026, 11, 2), date(2026, 11, 3)}


def working_days(first: date, last: date) -> list[date]:
    """Monday to Friday, less DAYS_OFF: the PC is off over weekends and holidays."""
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5 and day not in DAYS_OFF:
            days.append(day)
        day += timedelta(days=1)
    return days


def at(day: date, hour: int = 8, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute))


@pytest.fixture
def database(template_databases: dict[str, str], tmp_path: Path) -> Path:
    target = tmp_path / "data" / "kyodo-desk.sqlite3"
    target.parent.mkdir()
    shutil.copyfile(template_databases["sqlite"], target)
    return target


def kept_days(folder: Path, database: Path) -> list[str]:
    return [f"{c.day.isoformat()} {c.day:%a}" for c in backups.list_copies(database, folder)]


def contact_names(path: Path) -> list[str]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [row[0] for row in conn.execute("SELECT name FROM contacts ORDER BY id")]
    finally:
        conn.close()


def add_contact(path: Path, name: str) -> None:
    db = open_database(f"sqlite:///{path}", migrate=False)  # no copy: the clock here is fake
    try:
        svc.create_contact(db, SYSTEM, svc.ContactDraft(kind=svc.ContactKind.PERSON, name=name))
    finally:
        db.dispose()


def test_a_simulated_month_keeps_7_daily_4_weekly_and_the_monthly_copies(
        database: Path, tmp_path: Path) -> None:
    """47 calendar days from Thu 2026-10-01, the PC off at weekends and on 11-02 and 11-03:
    each morning's first start copies the file and rotates, as the window does."""
    folder = tmp_path / "data" / "backups"
    days = working_days(date(2026, 10, 1), date(2026, 11, 16))
    assert len(days) == 31
    for day in days:
        outcome = backups.make_daily_copy(database, folder, at(day))
        assert outcome.made is not None and outcome.made.parent == folder
        again = backups.make_daily_copy(database, folder, at(day, 13))  # a second start
        assert again.made is None and again.removed == ()
    assert kept_days(folder, database) == [
        "2026-10-01 Thu",  # October's copy (monthly)
        "2026-10-26 Mon",  # the week of 10-26 (weekly)
        "2026-11-04 Wed",  # November's and its week's first copy: 11-01 a Sunday, 2-3 off
        "2026-11-06 Fri",  # the 7 newest days (daily), from here on
        "2026-11-09 Mon",  # also its week's copy
        "2026-11-10 Tue",
        "2026-11-11 Wed",
        "2026-11-12 Thu",
        "2026-11-13 Fri",
        "2026-11-16 Mon",  # today; also this week's copy
    ]
    files = sorted(p.name for p in folder.iterdir())
    assert files == sorted(c.path.name for c in backups.list_copies(database, folder))
    assert all(stat.S_IMODE((folder / name).stat().st_mode) == 0o600 for name in files)


def test_over_more_than_a_year_twelve_monthly_copies_remain() -> None:
    """Every day for 420 days from Thu 2026-01-01, rotation run each day (names only)."""
    first = date(2026, 1, 1)
    copies: list[backups.Copy] = []
    for offset in range(420):
        day = first + timedelta(days=offset)
        copies.append(backups.Copy(Path(f"{day:%Y%m%d}"), at(day)))
        kept = backups.copies_to_keep(copies, day)
        copies = [c for c in copies if c.path in kept]
    today = first + timedelta(days=419)
    assert today == date(2027, 2, 24)  # a Wednesday
    assert [f"{c.day:%Y-%m-%d}" for c in copies] == [
        # monthly: the 1st of each of the 12 newest months
        "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01", "2026-07-01", "2026-08-01",
        "2026-09-01", "2026-10-01", "2026-11-01", "2026-12-01", "2027-01-01",
        # weekly: the Mondays of the 4 newest ISO weeks (02-22 also among the daily ones)
        "2027-02-01",  # also February's copy
        "2027-02-08", "2027-02-15",
        # daily: the 7 newest days
        "2027-02-18", "2027-02-19", "2027-02-20", "2027-02-21", "2027-02-22", "2027-02-23",
        "2027-02-24",
    ]


@given(st.lists(st.booleans(), min_size=1, max_size=500))
def test_rotating_every_day_keeps_what_rotating_once_would(switched_on: list[bool]) -> None:
    """Whatever days the PC was on: no copy removed on one day would be wanted on a later one,
    so daily rotation ends with exactly the copies one rotation over all of them keeps."""
    first = date(2026, 4, 1)
    made: list[backups.Copy] = []
    copies: list[backups.Copy] = []
    today = first
    for offset, on in enumerate(switched_on):
        if not on:
            continue
        today = first + timedelta(days=offset)
        copy = backups.Copy(Path(f"{today:%Y%m%d}"), at(today))
        made.append(copy)
        copies.append(copy)
        kept = backups.copies_to_keep(copies, today)
        copies = [c for c in copies if c.path in kept]
    assert {c.path for c in copies} == backups.copies_to_keep(made, today)
    assert len(copies) <= backups.KEEP_DAILY + backups.KEEP_WEEKLY + backups.KEEP_MONTHLY


def test_a_rotated_copy_restored_with_db_restore_has_that_day_s_data(
        database: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "data" / "backups"
    names = []
    for number, day in enumerate(working_days(date(2026, 10, 1), date(2026, 10, 30))):
        name = f"利用者 {number:02d}"
        add_contact(database, name)
        names.append(name)
        backups.make_daily_copy(database, folder, at(day))
    weekly = next(c for c in backups.list_copies(database, folder) if c.day == date(2026, 10, 5))
    assert [c.day.isoformat() for c in backups.list_copies(database, folder)][:2] == [
        "2026-10-01", "2026-10-05"]  # October's, then the oldest kept week's Monday

    code = cli.main(["--database", f"sqlite:///{database}", "db", "restore", str(weekly.path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"{weekly.path} から {database} に復元しました。" in out
    assert contact_names(database) == names[:3]  # 10-01, 10-02 and 10-05 had been added
    db = open_database(f"sqlite:///{database}")
    try:
        with db.reading(None) as session:
            assert verify(session.connection()).intact
    finally:
        db.dispose()


def test_the_day_s_first_start_copies_the_file_and_later_starts_do_not(database: Path) -> None:
    url = f"sqlite:///{database}"
    for _ in range(2):
        open_database(url).dispose()
    folder = database.parent / "backups"
    copies = backups.list_copies(database, folder)
    assert [c.day for c in copies] == [date.today()]
    assert sorted(p.name for p in folder.iterdir()) == [copies[0].path.name]
    assert contact_names(copies[0].path) == contact_names(database)
    open_database(url, migrate=False).dispose()  # `db status` and the like: no copy
    assert backups.list_copies(database, folder) == copies


def test_a_new_database_is_not_copied(tmp_path: Path) -> None:
    path = tmp_path / "new" / "kyodo-desk.sqlite3"
    open_database(f"sqlite:///{path}").dispose()
    assert sorted(p.name for p in path.parent.iterdir()) == ["kyodo-desk.sqlite3"]


def test_the_administrator_s_folder_gets_this_computer_s_copies(database: Path,
                                                                 tmp_path: Path) -> None:
    share = tmp_path / "share"
    config_file().parent.mkdir(parents=True)
    config_file().write_text(f"[backup]\nfolder = '{share}'\n", encoding="utf-8")
    db = open_database(f"sqlite:///{database}")
    db.dispose()
    assert db.startup_notice == ""
    assert not (database.parent / "backups").exists()
    (computer,) = share.iterdir()
    assert computer.name == backups.copies_folder(database, share).name
    (copy,) = backups.list_copies(database, computer)
    assert stat.S_IMODE(copy.path.stat().st_mode) == 0o600
    # A damaged file names that copy as the one to restore.
    database.write_bytes(database.read_bytes()[:100])
    with pytest.raises(sqlite_files.DamagedDatabase) as caught:
        open_database(f"sqlite:///{database}")
    assert caught.value.backup == copy.path


@pytest.mark.parametrize(("setting", "reason"), [
    ("folder = 'backups'", "は相対パスです"),
    ("folder = 5", "[backup] folder が正しくありません"),
    ("folder = '{blocker}/sub'", "書き込めません"),
    ("folder = '{data}'", "データベースファイルと同じフォルダです"),
])
def test_a_copy_that_fails_never_stops_the_start(
        database: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture, setting: str,
        reason: str, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setattr(backups, "_computer_name", lambda: "")  # the folder as set
    config_file().parent.mkdir(parents=True)
    config_file().write_text("[backup]\n" + setting.format(blocker=blocker, data=database.parent)
                             + "\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="kyodo_desk.database.backups"):
        db = open_database(f"sqlite:///{database}")
    try:
        with db.reading(None) as session:  # the database opened all the same
            assert svc.list_facilities(db, SYSTEM) and session is not None
    finally:
        db.dispose()
    assert db.startup_notice.startswith("今日のバックアップを作成できませんでした（作業は続けられます。")
    assert reason in db.startup_notice
    assert any("daily backup" in r.getMessage() for r in caplog.records)
    assert sorted(p.name for p in database.parent.iterdir()) == ["kyodo-desk.sqlite3"]


def test_other_files_in_the_folder_are_never_touched(database: Path, tmp_path: Path) -> None:
    folder = tmp_path / "copies"
    folder.mkdir()
    keep = [folder / "readme.txt", folder / "kyodo-desk.backup-2020.sqlite3",
            folder / "other.backup-20200101-083000.sqlite3"]
    for path in keep:
        path.write_text("")
    for day in working_days(date(2026, 1, 5), date(2026, 3, 31)):
        backups.make_daily_copy(database, folder, at(day))
    assert all(path.exists() for path in keep)
