"""The administrator's topic list dialog."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog


def test_add_move_and_retire_from_the_dialog(qtbot, db, admin, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from kyodo_desk.ui.admin.topics_dialog import RETIRED, TopicsDialog

    dialog = TopicsDialog(db, admin)
    qtbot.addWidget(dialog)
    assert dialog.list.count() == 10
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("環境保全", True))
    dialog.add_button.click()
    assert dialog.list.currentItem().text() == "環境保全"
    dialog.up_button.click()
    assert dialog.list.item(9).text() == "環境保全"
    assert dialog.list.currentRow() == 9
    dialog.retire_button.click()
    assert dialog.list.item(9).text() == f"環境保全　{RETIRED}"
    assert dialog.retire_button.text() == "使用を再開"
