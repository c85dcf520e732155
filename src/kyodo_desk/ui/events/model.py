"""The event list's rows (イベントの一覧): every event the filters ask for, in memory."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from kyodo_desk.domain.dates import clock, date_with_weekday, short_date
from kyodo_desk.domain.events import EVENT_KIND_LABELS
from kyodo_desk.services.events import EventSummary
from kyodo_desk.ui.widgets import RowsModel

COLUMNS = ("開催日", "イベント名", "種類", "主催", "席の状況", "地域")
DATE_COLUMN, TITLE_COLUMN, KIND_COLUMN, HOST_COLUMN, SEATS_COLUMN, DISTRICT_COLUMN = range(6)
CANCELLED_TEXT = QColor("#8a8a8a")
FULL_TEXT = QColor("#b3261e")


def schedule_label(row: EventSummary) -> str:
    """First day and start time, '2026年11月24日（火）10:00'; a course adds its last day and
    how many sessions, '〜12/8・全3回' (its year goes without saying: the title keeps the
    width)."""
    text = date_with_weekday(row.first_day)
    if row.start_time is not None:
        text += clock(row.start_time)
    if row.session_count > 1:
        text += f"〜{short_date(row.last_day, with_weekday=False)}・全{row.session_count}回"
    return text


class EventListModel(RowsModel[EventSummary]):
    columns = COLUMNS

    def reset(self, rows: list[EventSummary]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_of(self, event_id: int) -> int:
        return next((n for n, r in enumerate(self._rows) if r.id == event_id), -1)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = self.entry(index.row()) if index.isValid() else None
        if row is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.cancelled:
                return CANCELLED_TEXT
            if column == SEATS_COLUMN and row.seats.free == 0:
                return FULL_TEXT
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.cancelled:
                return "このイベントは中止です"
            return self._text(row, column)  # a narrowed column still tells it all
        return None

    @staticmethod
    def _text(row: EventSummary, column: int) -> str:
        if column == DATE_COLUMN:
            return schedule_label(row)
        if column == TITLE_COLUMN:
            return f"【中止】{row.title}" if row.cancelled else row.title
        if column == SEATS_COLUMN:
            return "中止" if row.cancelled else row.seats.label()
        if column == DISTRICT_COLUMN:
            return row.district
        return EVENT_KIND_LABELS[row.kind] if column == KIND_COLUMN else row.facility_name
