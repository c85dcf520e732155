"""One offscreen QApplication for all UI tests, with the bundled Japanese font registered."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QThreadPool
from pytestqt.qtbot import QtBot

# A wait in these tests waits for something the user would see; its timeout only bounds a
# failure. On a busy 2-core machine a background read can take seconds, so no wait gives up
# early: every pytest-qt wait defaults to a minute (a test passes as soon as its condition
# holds), and no test passes a shorter one.
WAIT_TIMEOUT_MS = 60_000
for _name in ("waitUntil", "waitSignal", "waitSignals", "waitCallback", "waitExposed",
              "waitActive"):
    getattr(QtBot, _name).__kwdefaults__["timeout"] = WAIT_TIMEOUT_MS


@pytest.fixture(scope="session", autouse=True)
def _japanese_font(qapp):  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.app import application
    from kyodo_desk.ui.operations import guard_gui_thread, unguard_gui_thread

    application()
    # The window's code may not open a database session on the GUI thread: every screen
    # reads and writes through ui/operations (test code itself may, to prepare data).
    guard_gui_thread(strict=True)
    yield
    unguard_gui_thread()
    QThreadPool.globalInstance().waitForDone()


@pytest.fixture(autouse=True)
def _no_job_left_behind():  # type: ignore[no-untyped-def]
    """A background read still running after its test would touch the next test's database
    (or one already dropped): every test waits for its jobs before the next begins."""
    yield
    QThreadPool.globalInstance().waitForDone()


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Message boxes (information, warning, critical) recorded as (kind, text) instead of
    blocking the test, each answered OK."""
    from PySide6.QtWidgets import QMessageBox

    shown: list[tuple[str, str]] = []
    for kind in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, kind,
                            lambda _parent, _title, text, *_a, kind=kind, **_k:
                            shown.append((kind, text)) or QMessageBox.StandardButton.Ok)
    return shown


@pytest.fixture
def window(qtbot, db, actor):  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.main_window import MainWindow

    win = MainWindow(db, actor)
    qtbot.addWidget(win)
    win.show()
    win.contacts.search.setFocus()
    with qtbot.waitSignal(win.contacts.search_finished):
        win.contacts.refresh()
    yield win
    QThreadPool.globalInstance().waitForDone()
    win.live.stop()
    win.close()
    win.deleteLater()
    # Collect the window's reference cycles here, on the GUI thread: a collection that
    # happened to start on a search worker would destroy Qt objects on the wrong thread.
    gc.collect()


def type_text(qtbot, widget, text: str) -> None:  # type: ignore[no-untyped-def]
    """Type as a person would: ASCII as key presses, Japanese as the IME commits it.

    QTest can only press ASCII keys; a Japanese IME delivers each converted word to the widget
    as an input-method commit, which is what this sends for non-ASCII characters.
    """
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    run = ""
    for ch in text + "\0":
        if ch != "\0" and not ch.isascii():
            run += ch
            continue
        if run:
            event = QInputMethodEvent()
            event.setCommitString(run)
            QApplication.sendEvent(widget, event)
            run = ""
        if ch != "\0":
            qtbot.keyClicks(widget, ch)


@pytest.fixture
def main_window(qtbot, db):  # type: ignore[no-untyped-def]
    """Opens the main window for an actor, its first list shown and its jobs done."""
    from kyodo_desk.ui.main_window import MainWindow
    from kyodo_desk.ui.tasks import pending_jobs

    made = []

    def make(actor):  # type: ignore[no-untyped-def]
        window = MainWindow(db, actor)
        qtbot.addWidget(window)
        window.show()
        with qtbot.waitSignal(window.contacts.search_finished):
            window.contacts.refresh()
        qtbot.waitUntil(lambda: pending_jobs() == 0)
        made.append(window)
        return window

    yield make
    QThreadPool.globalInstance().waitForDone()
    for window in made:
        window.live.stop()
        window.close()
