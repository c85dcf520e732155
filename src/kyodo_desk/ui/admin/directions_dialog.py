"""方向への対応づけ: the administrator ticks, for each consultation topic (相談の分野), event kind
(イベントの種類) and programme kind (交付金の種類), the guideline's directions it counts toward
in the yearly report 市民協働の推進状況 (services/guideline/mapping.py).

The map is read and saved off the GUI thread; saving writes only the ticks that changed. Other
accounts see the map and cannot change it (the service refuses them too).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.permissions import Action, Actor, Resource
from kyodo_desk.domain.plans import DIRECTION_LABELS, Direction
from kyodo_desk.services.guideline import SOURCE_LABELS, MapEntry
from kyodo_desk.services.guideline import mapping as svc
from kyodo_desk.ui.operations import ReadOp, WriteOp, show_status

FIXED_COLUMNS = 2  # 種類, 記録
RETIRED = "（使用停止）"
DIRECTION_COLUMN_WIDTH = 118  # a short name (8 characters) beside its number


class DirectionsDialog(QDialog):
    """The map as a table: one row per topic, event kind and programme kind, one check-box
    column per direction (1–5, the full names in the headers' tooltips)."""

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.may_change = actor.may(Action.CHANGE, Resource.DIRECTIONS)
        self.entries: list[MapEntry] = []
        self.setWindowTitle("指針の方向への対応づけ")
        self.resize(900, 620)
        intro = QLabel(
            "年度の報告「市民協働の推進状況」で、どの相談の分野・イベントの種類・交付金の種類を"
            "指針の目指す方向（1〜5）に数えるかを選びます。1つの記録を複数の方向に数えることも"
            "できます。" + ("" if self.may_change else "変更できるのは管理者だけです。"))
        intro.setWordWrap(True)
        self.table = QTableWidget(0, FIXED_COLUMNS + len(Direction))
        self.table.setObjectName("directionsTable")
        headers = ["種類", "記録"] + [f"{int(d)}. {_short(DIRECTION_LABELS[d])}"
                                     for d in Direction]
        self.table.setHorizontalHeaderLabels(headers)
        for n, d in enumerate(Direction):
            heading = self.table.horizontalHeaderItem(FIXED_COLUMNS + n)
            assert heading is not None  # set by setHorizontalHeaderLabels just above
            heading.setToolTip(f"{int(d)}. {DIRECTION_LABELS[d]}")
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for c in range(FIXED_COLUMNS, self.table.columnCount()):
            header.setSectionResizeMode(c, QHeaderView.ResizeMode.Fixed)
            self.table.setColumnWidth(c, DIRECTION_COLUMN_WIDTH)
        self.table.itemChanged.connect(lambda _item: self._update_buttons())
        buttons = QDialogButtonBox()
        self.save_button = QPushButton("保存")
        self.save_button.setObjectName("saveDirections")
        self.save_button.setEnabled(False)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ApplyRole)
        self.save_button.setVisible(self.may_change)  # after addButton, which shows it
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.setText("閉じる")
        buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)
        self.reload()

    def reload(self) -> None:
        db, actor = self.db, self.actor
        ReadOp(self, lambda: svc.direction_map(db, actor), self._show, key="map").run()

    def _show(self, entries: list[MapEntry]) -> None:
        self.entries = entries
        self.table.blockSignals(True)
        self.table.setRowCount(len(entries))
        for r, entry in enumerate(entries):
            kind = QTableWidgetItem(SOURCE_LABELS[entry.source])
            name = QTableWidgetItem(entry.label + ("" if entry.active else f"　{RETIRED}"))
            if not entry.active:
                name.setForeground(QColor("#888888"))
            self.table.setItem(r, 0, kind)
            self.table.setItem(r, 1, name)
            for n, d in enumerate(Direction):
                tick = QTableWidgetItem()
                flags = Qt.ItemFlag.ItemIsUserCheckable
                if self.may_change:
                    flags |= Qt.ItemFlag.ItemIsEnabled
                tick.setFlags(flags)
                tick.setCheckState(Qt.CheckState.Checked if d in entry.directions
                                   else Qt.CheckState.Unchecked)
                tick.setToolTip(f"{entry.label} → {int(d)}. {DIRECTION_LABELS[d]}")
                self.table.setItem(r, FIXED_COLUMNS + n, tick)
        self.table.blockSignals(False)
        self._update_buttons()

    def ticked(self, row: int) -> frozenset[Direction]:
        """The directions ticked in *row* as the dialog shows it now."""
        return frozenset(d for n, d in enumerate(Direction)
                         if self._tick(row, n).checkState() == Qt.CheckState.Checked)

    def set_ticked(self, row: int, direction: Direction, on: bool) -> None:
        self._tick(row, list(Direction).index(direction)).setCheckState(
            Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _tick(self, row: int, index: int) -> QTableWidgetItem:
        item = self.table.item(row, FIXED_COLUMNS + index)
        assert item is not None  # every cell is filled by _show
        return item

    def row_of(self, label: str) -> int:
        return next(r for r, e in enumerate(self.entries) if e.label == label)

    def changes(self) -> dict[svc.MapKey, frozenset[Direction]]:
        return {e.map_key: self.ticked(r) for r, e in enumerate(self.entries)
                if self.ticked(r) != e.directions}

    def _update_buttons(self) -> None:
        self.save_button.setEnabled(self.may_change and bool(self.entries) and
                                    bool(self.changes()))

    def save(self) -> None:
        wanted = self.changes()
        if not wanted:
            return
        db, actor = self.db, self.actor

        def work() -> list[MapEntry]:
            return svc.save_direction_map(db, actor, wanted)

        def done(entries: list[MapEntry]) -> None:
            self._show(entries)
            show_status(self, f"方向への対応づけを保存しました（{len(wanted)}件の記録）。")

        WriteOp(self, work, done, busy=(self.save_button, self.table)).run()


def _short(label: str) -> str:
    """A direction's name short enough for a column heading (the tooltip has it whole)."""
    return label if len(label) <= 8 else label[:7] + "…"
