"""One offscreen QApplication for all UI tests, with the bundled Japanese font registered."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QThreadPool


@pytest.fixture(scope="session", autouse=True)
def _japanese_font(qapp):  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.app import application

    application()
    yield
    QThreadPool.globalInstance().waitForDone()


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
