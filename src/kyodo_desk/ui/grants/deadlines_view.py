"""期限の一覧: every open deadline of every grant case, soonest (and overdue) first.

Overdue ones read 「n日超過」 in red. Double-click, Enter or 「案件を開く」 closes the list with
the case chosen; the caller opens it.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
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
from kyodo_desk.domain.errors import UserError
from kyodo_desk.domain.permissions import Actor
from kyodo_desk.services.grants import cases as svc
from kyodo_desk.services.grants.cases import UpcomingDeadline
from kyodo_desk.ui.grants.model import OVERDUE_TEXT, day_text, due_text
from kyodo_desk.ui.messages import show_error
from kyodo_desk.ui.operations import ReadOp
from kyodo_desk.ui.widgets import RowsModel, record_list

SOON_DAYS = 7  # a deadline this close is shown in bold
DUE_COLUMN, LEFT_COLUMN, TITLE_COLUMN, GROUP_COLUMN, LABEL_COLUMN = range(5)


class DeadlinesModel(RowsModel[UpcomingDeadline]):
    columns = ("期限", "残り日数", "事業名", "団体名", "内容")

    def __init__(self, today: date) -> None:
        super().__init__()
        self.today = today

    def reset(self, rows: list[UpcomingDeadline]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def text(self, row: UpcomingDeadline, column: int) -> str:
        if column == DUE_COLUMN:
            return day_text(row.due_on)
        if column == LEFT_COLUMN:
            return due_text(row.due_on, self.today)
        if column == TITLE_COLUMN:
            return row.title
        if column == GROUP_COLUMN:
            return row.group_name
        return row.label

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self.entry(index.row()) if index.isValid() else None
        if row is None:
            return None
        column, left = index.column(), row.days_left(self.today)
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, column)
        if role == Qt.ItemDataRole.ForegroundRole and left < 0 and column in (DUE_COLUMN,
                                                                               LEFT_COLUMN):
            return OVERDUE_TEXT
        if role == Qt.ItemDataRole.FontRole and column == LEFT_COLUMN and left <= SOON_DAYS:
            bold = QFont()
            bold.setBold(True)
            return bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column == LEFT_COLUMN:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole and column in (TITLE_COLUMN, GROUP_COLUMN,
                                                              LABEL_COLUMN):
            return self.text(row, column)
        return None


class DeadlinesDialog(QDialog):
    """The list; `chosen_case_id` holds the case to open once accepted. `shown` when the
    list has been read."""

    shown = Signal()

    def __init__(self, db: Database, actor: Actor, parent: QWidget | None = None, *,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.chosen_case_id: int | None = None
        self.setWindowTitle("期限の一覧（交付金案件）")
        self.setMinimumSize(980, 560)
        self.model = DeadlinesModel(today or date.today())
        self.summary = QLabel("読み込んでいます…")
        self.summary.setObjectName("deadlinesSummary")
        self.table = record_list(self.model, "deadlinesTable")
        header = self.table.horizontalHeader()
        for column in range(len(self.model.columns)):
            header.setSectionResizeMode(
                column, QHeaderView.ResizeMode.Stretch if column == LABEL_COLUMN
                else QHeaderView.ResizeMode.ResizeToContents)
        self.table.doubleClicked.connect(lambda _index: self.open_current())
        self.table.installEventFilter(self)
        self.open_button = QPushButton("案件を開く")
        self.open_button.setObjectName("openCase")
        self.open_button.setEnabled(False)
        self.open_button.clicked.connect(self.open_current)
        self.close_button = QPushButton("閉じる")
        self.close_button.clicked.connect(self.reject)
        for button in (self.open_button, self.close_button):
            button.setAutoDefault(False)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.open_button.setEnabled(current.isValid()))

        hint = QLabel("ダブルクリックまたは Enter で案件を開きます。期限を過ぎたものは赤字です。")
        hint.setStyleSheet("color: #666;")
        buttons = QHBoxLayout()
        buttons.addWidget(hint, 1)
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh()

    def refresh(self) -> None:
        db, actor = self.db, self.actor
        ReadOp(self, lambda: svc.upcoming_deadlines(db, actor), self._show,
               failed=self._failed).run()

    def _show(self, rows: list[UpcomingDeadline]) -> None:
        self.model.reset(rows)
        today = self.model.today
        overdue = sum(1 for r in rows if r.days_left(today) < 0)
        soon = sum(1 for r in rows if 0 <= r.days_left(today) <= SOON_DAYS)
        if not rows:
            self.summary.setText("完了していない期限はありません。")
        else:
            parts = [f"{len(rows)}件"]
            if overdue:
                parts.append(f"<span style='color:{OVERDUE_TEXT.name()}'>"
                             f"<b>期限切れ {overdue}件</b></span>")
            parts.append(f"{SOON_DAYS}日以内 {soon}件")
            self.summary.setText("完了していない期限、近い順: " + "・".join(parts))
            self.table.selectRow(0)
            self.table.setFocus()
        self.shown.emit()

    def _failed(self, exc: Exception) -> None:
        self.summary.setText(exc.message if isinstance(exc, UserError) else "読み込めませんでした。")
        if not isinstance(exc, UserError):
            show_error(self, exc)
        self.shown.emit()

    def open_current(self) -> None:
        row = self.model.entry(self.table.currentIndex().row())
        if row is None:
            return
        self.chosen_case_id = row.case_id
        self.accept()

    def eventFilter(self, watched: object, event: object) -> bool:
        """Enter on the list opens the case (as on every list of the app)."""
        if (watched is self.table and isinstance(event, QKeyEvent)
                and event.type() == QKeyEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.open_current()
            return True
        return super().eventFilter(watched, event)  # type: ignore[arg-type]


def open_deadlines(parent: QWidget | None, db: Database, actor: Actor) -> int | None:
    """The list, modal; the id of the case chosen to open, or None."""
    dialog = DeadlinesDialog(db, actor, parent)
    try:
        dialog.exec()
        return dialog.chosen_case_id
    finally:
        dialog.deleteLater()
