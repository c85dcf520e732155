"""The consultation list's rows (相談記録の一覧): a windowed model over the list service."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from kyodo_desk.domain.dates import clock, full_date
from kyodo_desk.services.consultations import CHANNEL_LABELS, STATUS_LABELS, ConsultationStatus
from kyodo_desk.services.consultations.listing import ConsultationRow
from kyodo_desk.ui.windowed import BlockRequest, WindowedModel

COLUMNS = ("相談日", "時刻", "施設", "担当", "相談者", "分野", "方法", "相談内容", "状況", "期限",
           "フォローアップの予定")
(DATE_COLUMN, TIME_COLUMN, FACILITY_COLUMN, STAFF_COLUMN, CONSULTEE_COLUMN, TOPICS_COLUMN,
 CHANNEL_COLUMN, ASKED_COLUMN, STATUS_COLUMN, DUE_COLUMN, PLAN_COLUMN) = range(len(COLUMNS))
OVERDUE_TINT = QColor("#fdecea")
OVERDUE_TEXT = QColor("#b3261e")


def is_overdue(row: ConsultationRow, today: date) -> bool:
    return (row.status is ConsultationStatus.IN_PROGRESS and row.follow_up_due is not None
            and row.follow_up_due < today)


class ConsultationListModel(WindowedModel[ConsultationRow]):
    columns = COLUMNS

    def __init__(self, request_block: BlockRequest, today: date | None = None) -> None:
        super().__init__(request_block)
        self.today = today or date.today()

    def cell(self, row: ConsultationRow, column: int, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        overdue = is_overdue(row, self.today)
        if role == Qt.ItemDataRole.BackgroundRole and overdue:
            return OVERDUE_TINT
        if role == Qt.ItemDataRole.ForegroundRole and overdue and column == DUE_COLUMN:
            return OVERDUE_TEXT
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == DUE_COLUMN and overdue:
                return f"フォローアップの期限を{(self.today - row.follow_up_due).days}日過ぎています"  # type: ignore[operator]
            if column in (ASKED_COLUMN, PLAN_COLUMN) and row.masked:
                return None
            return self._text(row, column) or None  # a narrowed column still tells it all
        return None

    @staticmethod
    def _text(row: ConsultationRow, column: int) -> str:
        if column == DATE_COLUMN:
            return full_date(row.held_on)
        if column == TIME_COLUMN:
            return clock(row.start_time) if row.start_time else ""
        if column == DUE_COLUMN:
            return full_date(row.follow_up_due) if row.follow_up_due else ""
        return (
            "", "", row.facility_name, row.staff_name, row.consultee_name,
            "・".join(row.topic_names), CHANNEL_LABELS[row.channel], row.asked_summary,
            STATUS_LABELS[row.status], "", row.follow_up_plan,
        )[column]
