"""The administrator's topic list dialog: it opens at once, and reads and writes off the GUI
thread (the guard in conftest refuses a session opened there)."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QInputDialog

from kyodo_desk.services.consultations import topics
from kyodo_desk.ui.admin.topics_dialog import RETIRED, TopicsDialog
from kyodo_desk.ui.tasks import pending_jobs


@pytest.fixture
def open_dialog(qtbot, db):  # type: ignore[no-untyped-def]
    made: list[TopicsDialog] = []

    def open_dialog(actor) -> TopicsDialog:  # type: ignore[no-untyped-def]
        dialog = TopicsDialog(db, actor)
        qtbot.addWidget(dialog)
        made.append(dialog)
        dialog.show()
        return dialog

    yield open_dialog
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: pending_jobs() == 0)
    for dialog in made:
        dialog.close()
        dialog.deleteLater()
    gc.collect()


def test_add_move_and_retire_from_the_dialog(qtbot, admin, open_dialog, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(admin)
    qtbot.waitUntil(lambda: dialog.list.count() == 10)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("環境保全", True))
    dialog.add_button.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 11)
    assert dialog.list.currentItem().text() == "環境保全"
    dialog.up_button.click()
    qtbot.waitUntil(lambda: dialog.list.item(9).text() == "環境保全")
    assert dialog.list.currentRow() == 9
    dialog.retire_button.click()
    qtbot.waitUntil(lambda: dialog.list.item(9).text() == f"環境保全　{RETIRED}")
    assert dialog.retire_button.text() == "使用を再開"


def test_the_dialog_opens_before_the_list_is_read_and_waits_while_a_change_is_saved(
        qtbot, db, admin, open_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(admin)
    # Shown at once, empty: the list is read in the background, and no change can be made
    # before it is there.
    assert dialog.isVisible() and dialog.list.count() == 0
    assert not dialog.add_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.list.count() == 10)
    assert dialog.add_button.isEnabled()

    dialog.list.setCurrentRow(3)
    moved = dialog.current()
    dialog.down_button.click()
    # While the move is written, a second click cannot move it again.
    assert not dialog.down_button.isEnabled() and not dialog.add_button.isEnabled()
    qtbot.waitUntil(dialog.down_button.isEnabled)
    assert dialog.current() is not None and dialog.current().id == moved.id
    assert dialog.list.currentRow() == 4
    assert [t.id for t in topics.list_topics(db, admin, include_inactive=True)][4] == moved.id


def test_the_dialog_can_be_placed_and_offers_its_actions_like_any_window(
        qtbot, admin, open_dialog) -> None:  # type: ignore[no-untyped-def]
    # Qt's own move() and actions() once were shadowed by the dialog's buttons and their panel.
    dialog = open_dialog(admin)
    qtbot.waitUntil(lambda: dialog.list.count() == 10)
    dialog.move(40, 30)
    assert dialog.pos().x() == 40 and dialog.pos().y() == 30
    assert dialog.actions() == []
    assert dialog.list.count() == 10  # placing it moved no topic
