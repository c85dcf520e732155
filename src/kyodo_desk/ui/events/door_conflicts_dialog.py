"""当日受付の衝突: the offline door's acts that could not simply be applied when merged, each
decided by a person — 認める (accept) or 反映しない (set aside).

両方で受付 (checked in at the laptop and at a counter): accepting keeps the earlier time.
キャンセル後の受付: accepting records the attendance and leaves the sign-up cancelled.
満席 (a walk-in with no seat left): accepting signs them up only if a seat is free by then.
申込が見つからない: only 反映しない. Read and decided off the GUI thread, logged by the service.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kyodo_desk.database import Database
from kyodo_desk.domain.dates import date_and_time, japan_time
from kyodo_desk.domain.events import DoorOutcome
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.events.door_merge import (
    DoorConflict,
    decide_door_conflict,
    door_conflicts,
)
from kyodo_desk.ui.operations import ReadOp, WriteOp, data_changes, touches
from kyodo_desk.ui.widgets import RowsModel, fit_to_screen, record_list

_Index = QModelIndex | QPersistentModelIndex
WATCHED = ("door_acts", "registrations", "attendances")
WHAT_ACCEPT_DOES = {
    DoorOutcome.BOTH: "早い方の時刻を出席の時刻にします",
    DoorOutcome.CANCELLED: "出席を記録します（申込はキャンセルのまま）",
    DoorOutcome.FULL: "席が空いていれば当日参加として出席にします",
    DoorOutcome.UNKNOWN: "認められません（反映しないを選んでください）",
}


class ConflictsModel(RowsModel[DoorConflict]):
    columns = ("内容", "氏名・団体名", "人数", "会場の端末で", "窓口で", "認めると")

    def reset(self, rows: list[DoorConflict]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        c = self.entry(index.row())
        if c is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        counter = "" if c.counter_at is None else \
            f"{date_and_time(japan_time(c.counter_at))}（{c.counter_by}）"
        return (c.outcome_label, c.name, f"{c.party_size}名",
                f"{date_and_time(japan_time(c.happened_at))}（{c.recorded_by}）", counter,
                WHAT_ACCEPT_DOES[c.outcome])[index.column()]


class DoorConflictsDialog(QDialog):
    """The event's acts of the offline door waiting for a decision."""

    refreshed = Signal()

    def __init__(self, db: Database, actor: Actor, event_id: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor, self.event_id = db, actor, event_id
        self.setWindowTitle("当日受付の衝突")
        fit_to_screen(self, 1100, 520)
        note = QLabel("会場の端末で受け付けた記録のうち、そのまま反映できなかったものです。"
                      "一件ずつ「認める」か「反映しない」を選んでください。どちらも操作記録に残ります。")
        note.setWordWrap(True)
        self.model = ConflictsModel()
        self.table = record_list(self.model, "doorConflicts")
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        self.count = QLabel()
        self.accept_button = QPushButton("認める")
        self.accept_button.setObjectName("acceptDoorAct")
        self.aside_button = QPushButton("反映しない")
        self.aside_button.setObjectName("setAsideDoorAct")
        close = QPushButton("閉じる")
        self.accept_button.clicked.connect(lambda: self.decide(accept=True))
        self.aside_button.clicked.connect(lambda: self.decide(accept=False))
        close.clicked.connect(self.reject)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        buttons = QHBoxLayout()
        buttons.addWidget(self.count, 1)
        buttons.addWidget(self.accept_button)
        buttons.addWidget(self.aside_button)
        buttons.addSpacing(24)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        data_changes().changed.connect(self.on_data_changed)
        self._update_buttons()
        self.refresh()

    def refresh(self) -> None:
        db, actor, event_id = self.db, self.actor, self.event_id
        ReadOp(self, lambda: door_conflicts(db, actor, event_id), self._show,
               key="door_conflicts").run()

    def _show(self, rows: list[DoorConflict]) -> None:
        self.model.reset(rows)
        self.count.setText(f"判断待ち {len(rows)}件" if rows else "判断を待つ記録はありません。")
        if rows:
            self.table.selectRow(0)
        self._update_buttons()
        self.refreshed.emit()

    def on_data_changed(self, tables: frozenset[str] | None) -> None:
        if touches(tables, *WATCHED):
            self.refresh()

    def selected(self) -> DoorConflict | None:
        return self.model.entry(self.table.currentIndex().row())

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.accept_button.setEnabled(chosen is not None
                                      and chosen.outcome is not DoorOutcome.UNKNOWN)
        self.aside_button.setEnabled(chosen is not None)

    def decide(self, *, accept: bool) -> None:
        chosen = self.selected()
        if chosen is None:
            return
        db, actor = self.db, self.actor
        WriteOp(self, lambda: decide_door_conflict(db, actor, chosen.id, chosen.version, accept),
                lambda _outcome: self.refresh(),
                busy=(self.accept_button, self.aside_button)).run()
