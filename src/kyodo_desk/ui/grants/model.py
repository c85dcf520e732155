"""The case list's rows (交付金案件の一覧), and how stages, amounts and deadlines read on screen."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont

from kyodo_desk.domain.dates import date_with_weekday, full_date
from kyodo_desk.domain.grants import STAGE_LABELS, Stage
from kyodo_desk.services.grants.cases import CaseSummary
from kyodo_desk.ui.widgets import RowsModel

COLUMNS = ("団体名", "事業名", "段階", "申請額", "交付決定額", "次の期限")
(GROUP_COLUMN, TITLE_COLUMN, STAGE_COLUMN, REQUESTED_COLUMN, DECIDED_COLUMN,
 DEADLINE_COLUMN) = range(6)
OVERDUE_TEXT = QColor("#b3261e")
ENDED_TEXT = QColor("#8a8a8a")
# One colour per part of the cycle: before the decision blue, the grant running green, the
# closing steps purple; cases that ended early grey.
STAGE_COLOURS = {
    Stage.CONSULTATION: "#5b6b7a", Stage.APPLICATION: "#2f6fb0", Stage.SCREENING: "#2f6fb0",
    Stage.ADOPTED: "#1f7a4d", Stage.GRANT_DECIDED: "#1f7a4d", Stage.IN_PROGRESS: "#1f7a4d",
    Stage.REPORTED: "#7a4fa0", Stage.SETTLED: "#7a4fa0", Stage.EVALUATED: "#7a4fa0",
    Stage.PUBLISHED: "#4a3a8c", Stage.REJECTED: "#8a8a8a", Stage.WITHDRAWN: "#8a8a8a",
}
ENDED = frozenset({Stage.REJECTED, Stage.WITHDRAWN})


def day_text(day: date) -> str:
    """'2026年5月31日（日）' (or 令和8年…, by the app-wide date style)."""
    return date_with_weekday(day)


def amount_text(amount: int) -> str:
    """'300,000' as typed and shown in the boxes (the unit beside, not inside)."""
    return f"{amount:,}" if amount else ""


def due_text(due: date, today: date) -> str:
    """How near a deadline is: 「あと3日」「今日まで」「5日超過」."""
    days = (due - today).days
    if days > 0:
        return f"あと{days}日"
    return "今日まで" if days == 0 else f"{-days}日超過"


class CaseListModel(RowsModel[CaseSummary]):
    columns = COLUMNS

    def __init__(self, today: date) -> None:
        super().__init__()
        self.today = today

    def reset(self, rows: list[CaseSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_of(self, case_id: int) -> int:
        return next((n for n, r in enumerate(self._rows) if r.id == case_id), -1)

    def overdue(self, row: CaseSummary) -> bool:
        return row.next_deadline is not None and row.next_deadline < self.today

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self.entry(index.row()) if index.isValid() else None
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == DEADLINE_COLUMN and self.overdue(row):
                return OVERDUE_TEXT
            if row.stage in ENDED:
                return ENDED_TEXT
            if column == STAGE_COLUMN:
                return QColor(STAGE_COLOURS[row.stage])
        if role == Qt.ItemDataRole.FontRole and (
                column == STAGE_COLUMN or (column == DEADLINE_COLUMN and self.overdue(row))):
            bold = QFont()
            bold.setBold(True)
            return bold
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (REQUESTED_COLUMN,
                                                                    DECIDED_COLUMN):
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == DEADLINE_COLUMN and row.next_deadline is not None:
                return f"{day_text(row.next_deadline)}　{due_text(row.next_deadline, self.today)}"
            return self.text(row, column)  # a narrowed column still tells it all
        return None

    def text(self, row: CaseSummary, column: int) -> str:
        if column == GROUP_COLUMN:
            return row.group_name
        if column == TITLE_COLUMN:
            return row.title
        if column == STAGE_COLUMN:
            return STAGE_LABELS[row.stage]
        if column == REQUESTED_COLUMN:  # the unit is in the heading
            return amount_text(row.money.requested) or "—"
        if column == DECIDED_COLUMN:
            return amount_text(row.money.decided) or "—"
        return full_date(row.next_deadline) if row.next_deadline else ""
