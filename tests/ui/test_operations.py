"""Operations: the one way a screen reads and writes (ui/operations.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QLabel, QMainWindow, QPushButton

from kyodo_desk.domain.errors import ConnectionLost, UserError
from kyodo_desk.services import contacts as svc
from kyodo_desk.ui import operations
from kyodo_desk.ui.operations import GuiThreadDatabaseCall, ReadOp, WriteOp, data_changes
from kyodo_desk.ui.tasks import pending_jobs


def window_code_that_searches(db, actor) -> Callable[[], object]:  # type: ignore[no-untyped-def]
    """A function of a window module (kyodo_desk.ui.…), as a screen's slot is."""
    namespace: dict[str, object] = {"__name__": "kyodo_desk.ui.some_screen", "svc": svc,
                                    "db": db, "actor": actor}
    exec("def search():\n    return svc.search_contacts(db, actor, '')", namespace)
    return namespace["search"]  # type: ignore[return-value]


@pytest.fixture
def screen(qtbot):  # type: ignore[no-untyped-def]
    """A main window with one widget in it, as a tab sits in the real window."""
    window = QMainWindow()
    label = QLabel()
    window.setCentralWidget(label)
    qtbot.addWidget(window)
    window.show()
    return window, label


@pytest.fixture
def dialogs(monkeypatch):  # type: ignore[no-untyped-def]
    """The messages the standard error display would open, instead of opening them."""
    shown: list[str] = []
    monkeypatch.setattr(operations, "show_error",
                        lambda _parent, exc, *a, **k: shown.append(str(exc)))
    return shown


def test_only_the_latest_read_of_a_key_is_shown(qtbot, screen) -> None:  # type: ignore[no-untyped-def]
    _window, label = screen
    first_may_finish = threading.Event()
    shown: list[str] = []

    def slow() -> str:
        first_may_finish.wait(10)
        return "古い検索"

    ReadOp(label, slow, shown.append, key="search").run()
    ReadOp(label, lambda: "新しい検索", shown.append, key="search").run()
    qtbot.waitUntil(lambda: shown == ["新しい検索"])
    first_may_finish.set()
    qtbot.waitUntil(lambda: pending_jobs() == 0)
    assert shown == ["新しい検索"]  # the stale answer never replaced the newer one


def test_reads_of_different_keys_are_all_shown(qtbot, screen) -> None:  # type: ignore[no-untyped-def]
    _window, label = screen
    shown: list[str] = []
    ReadOp(label, lambda: "一覧", shown.append, key="list").run()
    ReadOp(label, lambda: "詳細", shown.append, key="detail").run()
    qtbot.waitUntil(lambda: sorted(shown) == ["一覧", "詳細"])


def test_a_read_that_lost_the_link_says_so_in_the_status_bar_not_a_dialog(
        qtbot, screen, dialogs) -> None:  # type: ignore[no-untyped-def]
    window, label = screen

    def lost() -> None:
        raise ConnectionLost("データベースに接続できません。")

    ReadOp(label, lost, lambda _v: None).run()
    qtbot.waitUntil(lambda: window.statusBar().currentMessage() == "データベースに接続できません。")
    assert dialogs == []


def test_a_failed_write_opens_a_dialog_and_gives_the_button_back(
        qtbot, screen, dialogs) -> None:  # type: ignore[no-untyped-def]
    _window, label = screen
    button = QPushButton("保存")
    release = threading.Event()

    def refused() -> None:
        release.wait(10)
        raise UserError("保存できませんでした。")

    WriteOp(label, refused, lambda _v: None, busy=(button,)).run()
    assert not button.isEnabled()  # a second click cannot save twice
    release.set()
    qtbot.waitUntil(lambda: dialogs == ["保存できませんでした。"])
    assert button.isEnabled()


def test_a_write_tells_every_view_what_it_changed(qtbot, screen, db, actor) -> None:  # type: ignore[no-untyped-def]
    _window, label = screen
    heard: list[object] = []
    data_changes().changed.connect(heard.append)
    saved: list[object] = []
    draft = svc.ContactDraft(kind=svc.ContactKind.PERSON, name="操作 太郎", reading="そうさ たろう")
    try:
        WriteOp(label, lambda: svc.create_contact(db, actor, draft), saved.append).run()
        qtbot.waitUntil(lambda: bool(saved) and bool(heard))
    finally:
        data_changes().changed.disconnect(heard.append)
    assert saved[0].name == "操作 太郎"
    assert "contacts" in heard[0]


def test_a_write_that_failed_tells_no_view(qtbot, screen, db, actor, dialogs) -> None:  # type: ignore[no-untyped-def]
    _window, label = screen
    heard: list[object] = []
    data_changes().changed.connect(heard.append)
    draft = svc.ContactDraft(kind=svc.ContactKind.PERSON, name="", reading="")
    try:
        WriteOp(label, lambda: svc.create_contact(db, actor, draft), lambda _v: None).run()
        qtbot.waitUntil(lambda: bool(dialogs))
    finally:
        data_changes().changed.disconnect(heard.append)
    assert heard == []


def test_the_windows_code_may_not_open_a_session_on_the_gui_thread(qtbot, screen, db, actor) -> None:  # type: ignore[no-untyped-def]
    _window, label = screen
    search = window_code_that_searches(db, actor)
    with pytest.raises(GuiThreadDatabaseCall):
        search()
    found: list[object] = []
    ReadOp(label, search, found.append).run()
    qtbot.waitUntil(lambda: bool(found))  # the same work on a worker thread is fine


def test_the_apps_own_guard_does_not_loosen_the_tests_strict_one(db, actor) -> None:  # type: ignore[no-untyped-def]
    operations.guard_gui_thread(strict=False)  # what run_gui does at start
    with pytest.raises(GuiThreadDatabaseCall):
        window_code_that_searches(db, actor)()
