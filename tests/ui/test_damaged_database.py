"""The window and a damaged database file: at start, and when the whole-file check finds damage
once the window is up. Either way the newest intact backup is offered, and restoring it keeps
the damaged file under a timestamped name."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtWidgets import QMessageBox

from kyodo_desk.database import open_database
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services import accounts
from tests.database.test_damaged_files import leaf_pages, make_backup, spoil_pages

STAFF = "staff"  # counter staff: the window reads no audit_log at start
T = TypeVar("T")


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder / "kyodo-desk.sqlite3"


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Every question and message, answered 復元する and recorded instead of blocking."""
    from kyodo_desk.ui import damaged_database

    shown: dict[str, list[str]] = {"asked": [], "information": [], "warning": [], "critical": []}

    def ask(_parent, _title, text, choices, **_kwargs):  # type: ignore[no-untyped-def]
        shown["asked"].append(text)
        assert ("restore", "バックアップから復元する") in choices
        return "restore"

    monkeypatch.setattr(damaged_database, "ask", ask)
    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda _p, _t, text, *_a, kind=kind, **_k:
                            shown[kind].append(text) or QMessageBox.StandardButton.Ok)
    return shown


def signs_in(monkeypatch: pytest.MonkeyPatch, *logins: str | None) -> list[int]:
    """The sign-in is answered with these accounts in turn (None: the person closes it);
    returns the files that each sign-in saw, by their facilities' count."""
    from kyodo_desk.ui import app

    answers, seen = list(logins), []

    def sign_in(source, **_kwargs):  # type: ignore[no-untyped-def]
        # The real sign-in opens an address on a worker and raises what opening raised.
        db = off_the_gui_thread(lambda: open_database(source)) if isinstance(source, str) \
            else source
        seen.append(len(off_the_gui_thread(lambda: _facilities(db))))
        login = answers.pop(0)
        if login is None:
            return db, None
        # Not a real sign-in: that writes to the file, whose damaged bytes must stay as found.
        info = off_the_gui_thread(lambda: accounts.find_account(db, Actor.command_line(), login))
        return db, Actor(info.id, info.login, info.display_name, info.role, info.facility_id)

    monkeypatch.setattr(app, "sign_in", sign_in)
    return seen


def off_the_gui_thread(work: Callable[[], T]) -> T:
    """What the test reads for itself while the start is on the stack (the guard refuses a
    session opened on the GUI thread under the window's code, the test's own included)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result()


def _facilities(db) -> list[object]:  # type: ignore[no-untyped-def]
    from kyodo_desk.services.contacts import list_facilities

    return list_facilities(db, Actor.system())


def kept_aside(path: Path, *backups: Path) -> list[Path]:
    return sorted(p for p in path.parent.glob("kyodo-desk.backup-*.sqlite3") if p not in backups)


def test_an_empty_file_at_start_offers_the_newest_backup_and_opens_it(
        qapp, data: Path, template_databases: dict[str, str],  # type: ignore[no-untyped-def]
        dialogs: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    from kyodo_desk.ui import app

    backup = make_backup(data, "20261124-180000", Path(template_databases["sqlite"]))
    data.write_bytes(b"")
    seen = signs_in(monkeypatch, None)

    assert app.run_gui(f"sqlite:///{data}") == 0

    [question] = dialogs["asked"]
    assert f"「{data}」" in question and "空のファイル（0 バイト）" in question
    assert f"最新の正常なバックアップ: {backup}（2026年11月24日 18:00に作成）" in question
    assert seen == [8]  # the restored data, opened
    [kept] = kept_aside(data, backup)
    assert kept.read_bytes() == b""
    assert str(kept) in dialogs["information"][0]
    assert dialogs["critical"] == []


def test_declining_the_backup_at_start_closes_and_changes_nothing(
        qapp, data: Path, template_databases: dict[str, str],  # type: ignore[no-untyped-def]
        monkeypatch: pytest.MonkeyPatch) -> None:
    from kyodo_desk.ui import app, damaged_database

    backup = make_backup(data, "20261124-180000", Path(template_databases["sqlite"]))
    data.write_bytes(b"")
    monkeypatch.setattr(damaged_database, "ask", lambda *_a, **_k: "keep")
    seen = signs_in(monkeypatch)

    assert app.run_gui(f"sqlite:///{data}") == 2

    assert seen == []
    assert data.read_bytes() == b""
    assert kept_aside(data, backup) == []


def test_damage_found_after_the_window_is_up_is_said_and_the_backup_restored(
        qapp, data: Path, template_databases: dict[str, str],  # type: ignore[no-untyped-def]
        dialogs: dict[str, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    from kyodo_desk.ui import app

    shutil.copyfile(template_databases["sqlite"], data)
    backup = make_backup(data, "20261124-180000")
    spoil_pages(data, leaf_pages(data, "audit_log")[:1])  # nothing the start reads
    damaged = data.read_bytes()
    seen = signs_in(monkeypatch, STAFF, None)

    assert app.run_gui(f"sqlite:///{data}") == 0

    [question] = dialogs["asked"]
    assert f"「{data}」" in question and "ファイル全体の点検で壊れた箇所" in question
    assert str(backup) in question
    assert "サインインし直して" in dialogs["warning"][0]  # the window closed, drafts kept
    assert seen == [8, 8]  # signed in, then again on the restored file
    [kept] = kept_aside(data, backup)
    assert kept.read_bytes() == damaged
    assert data.read_bytes() != damaged
    assert dialogs["critical"] == []  # nothing went wrong on the way (an error is said so)
