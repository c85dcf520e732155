"""The administrator's map of records to the guideline's directions: it shows the stored map,
saves a changed tick off the GUI thread, and lets other accounts look but not change."""

from __future__ import annotations

import gc

import pytest
from PySide6.QtCore import QPoint, Qt, QThreadPool
from PySide6.QtWidgets import QStyle

from kyodo_desk.domain.plans import Direction
from kyodo_desk.services.guideline import direction_map
from kyodo_desk.ui.admin.directions_dialog import FIXED_COLUMNS, DirectionsDialog
from kyodo_desk.ui.tasks import pending_jobs


@pytest.fixture
def open_dialog(qtbot, db):  # type: ignore[no-untyped-def]
    made: list[DirectionsDialog] = []

    def open_dialog(actor) -> DirectionsDialog:  # type: ignore[no-untyped-def]
        dialog = DirectionsDialog(db, actor)
        qtbot.addWidget(dialog)
        made.append(dialog)
        dialog.show()
        qtbot.waitUntil(lambda: dialog.table.rowCount() > 0)
        return dialog

    yield open_dialog
    QThreadPool.globalInstance().waitForDone()
    qtbot.waitUntil(lambda: pending_jobs() == 0)
    for dialog in made:
        dialog.close()
        dialog.deleteLater()
    gc.collect()


def test_the_stored_map_is_shown_and_a_changed_tick_is_saved(qtbot, db, admin, open_dialog) -> None:  # type: ignore[no-untyped-def]
    dialog = open_dialog(admin)
    meeting = dialog.row_of("市民協働ミーティング")
    assert dialog.table.item(meeting, 0).text() == "イベントの種類"
    assert dialog.ticked(meeting) == {Direction.PARTICIPATION, Direction.NEW_PUBLIC}
    assert not dialog.save_button.isEnabled()  # nothing changed yet
    seminar = dialog.row_of("セミナー・講座")
    # Ticked as a person does: a click on the check box of 1.
    item = dialog.table.item(seminar, FIXED_COLUMNS)
    rect = dialog.table.visualItemRect(item)
    box = QPoint(rect.left() + 3 + dialog.style().pixelMetric(
        QStyle.PixelMetric.PM_IndicatorWidth) // 2, rect.center().y())  # the check box
    qtbot.mouseClick(dialog.table.viewport(), Qt.MouseButton.LeftButton, pos=box)
    assert dialog.ticked(seminar) == {Direction.PARTICIPATION, Direction.CIVIC_GROUPS}
    assert dialog.save_button.isEnabled()
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.save_button.isEnabled() and dialog.table.isEnabled())
    stored = {e.label: e.directions for e in direction_map(db, admin)}
    assert stored["セミナー・講座"] == {Direction.PARTICIPATION, Direction.CIVIC_GROUPS}
    assert stored["市民協働ミーティング"] == {Direction.PARTICIPATION, Direction.NEW_PUBLIC}


def test_other_accounts_see_the_map_but_cannot_change_it(qtbot, accounts_by_login,  # type: ignore[no-untyped-def]
                                                         open_dialog) -> None:
    dialog = open_dialog(accounts_by_login["officer"])
    assert dialog.save_button.isHidden()
    tick = dialog.table.item(dialog.row_of("協働サポート交付金"), FIXED_COLUMNS + 3)
    assert tick.checkState() == Qt.CheckState.Checked
    assert not tick.flags() & Qt.ItemFlag.ItemIsEnabled
