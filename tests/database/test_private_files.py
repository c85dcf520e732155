"""The data folder and the SQLite files are the user's alone: 0700 and 0600 on POSIX, whatever
the umask, and files an older version left open to others are narrowed at start."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from kyodo_desk import cli, config, paths
from kyodo_desk.database import open_database, sqlite_files
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.contacts import list_facilities
from tests.database.test_damaged_files import posix_modes

pytestmark = posix_modes


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A PC whose umask takes nothing away: every file would be readable by everyone."""
    previous = os.umask(0)
    yield
    os.umask(previous)


@pytest.fixture
def old_database(template_databases: dict[str, str]) -> Path:
    """A database in the data folder as an older version left it: folder and files open."""
    path = config.default_sqlite_path()
    path.parent.mkdir(parents=True)
    shutil.copyfile(template_databases["sqlite"], path)
    backup = path.with_name("kyodo-desk.backup-20250401-090000.sqlite3")
    shutil.copyfile(path, backup)
    for file in (path, backup):
        file.chmod(0o644)
    path.parent.chmod(0o755)
    return path


@pytest.mark.usefixtures("open_umask")
def test_a_new_database_its_folder_and_its_backup_are_the_users_alone_under_umask_000() -> None:
    folder = config.default_sqlite_path().parent
    db = open_database(config.choose_database().url)
    try:
        list_facilities(db, Actor.system())  # an open connection keeps the -wal and -shm
        files = {p.name: mode_of(p) for p in folder.iterdir()}
        backup = sqlite_files.timestamped_backup(config.default_sqlite_path())
    finally:
        db.dispose()
    assert mode_of(folder) == 0o700
    assert files == {"kyodo-desk.sqlite3": 0o600, "kyodo-desk.sqlite3-wal": 0o600,
                     "kyodo-desk.sqlite3-shm": 0o600}
    assert mode_of(backup) == 0o600


@pytest.mark.usefixtures("open_umask")
def test_the_data_folder_made_by_the_log_is_the_users_alone_under_umask_000(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["db", "upgrade"]) == 0, capsys.readouterr().err
    assert mode_of(paths.data_dir()) == 0o700
    assert mode_of(config.default_sqlite_path()) == 0o600


def test_an_old_open_database_folder_and_backup_are_narrowed_at_start(
        old_database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    backup = old_database.with_name("kyodo-desk.backup-20250401-090000.sqlite3")

    assert cli.main(["db", "status"]) == 0, capsys.readouterr().err

    assert mode_of(old_database.parent) == 0o700
    assert mode_of(old_database) == 0o600
    assert mode_of(backup) == 0o600
    log = paths.log_path().read_text(encoding="utf-8")
    assert f"narrowed the permissions of {old_database} from 644 to 600" in log
    assert f"narrowed the permissions of {old_database.parent} from 755 to 700" in log


def test_a_database_elsewhere_is_narrowed_but_not_the_folder_chosen_for_it(
        old_database: Path, tmp_path: Path) -> None:
    shared = tmp_path / "chosen"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    elsewhere = shared / "kyodo.sqlite3"
    shutil.copyfile(old_database, elsewhere)
    elsewhere.chmod(0o640)

    open_database(f"sqlite:///{elsewhere}").dispose()

    assert mode_of(elsewhere) == 0o600
    assert mode_of(shared) == 0o755  # the administrator's folder keeps what was given to it
