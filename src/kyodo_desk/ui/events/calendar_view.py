"""The month calendar beside the event list (開催カレンダー): days with sessions are marked.

A QCalendarWidget keeps the keyboard a clerk already knows (arrows move the day, PageUp /
PageDown the month, Enter picks the day); the marks come from `calendar_month` for the month
on show. It reads as every date box's calendar does (ui/date_inputs.JapaneseCalendar):
2026年12月, weeks from Sunday, holidays red and named.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from PySide6.QtCore import QDate, QPoint, QRect, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter
from PySide6.QtWidgets import QTableView, QWidget

from kyodo_desk.services.events import CalendarEntry
from kyodo_desk.ui.date_inputs import JapaneseCalendar, day_of, qdate

MARK = QColor("#1f6f4a")  # the app's green (see app.py's style sheet)
MARK_BACKGROUND = QColor("#e3f1e8")
CANCELLED_MARK = QColor("#9e9e9e")


class EventCalendar(JapaneseCalendar):
    """Marks the days of the month on show that have sessions; `day_chosen` on click or Enter."""

    day_chosen = Signal(object)  # datetime.date
    month_shown = Signal(int, int)  # year, month: the marks for it are wanted

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventCalendar")
        self.setGridVisible(False)
        self._entries: dict[date, list[CalendarEntry]] = {}
        self.clicked.connect(lambda day: self.day_chosen.emit(day_of(day)))
        self.activated.connect(lambda day: self.day_chosen.emit(day_of(day)))
        self.currentPageChanged.connect(self.month_shown)

    def shown_month(self) -> tuple[int, int]:
        return self.yearShown(), self.monthShown()

    def set_entries(self, year: int, month: int, entries: list[CalendarEntry]) -> None:
        """The sessions of *year*/*month*; ignored if another month is on show by now."""
        if (year, month) != self.shown_month():
            return
        self.mark_days()  # the holidays again, without the last month's marks
        by_day: dict[date, list[CalendarEntry]] = defaultdict(list)
        for entry in entries:
            by_day[entry.held_on].append(entry)
        self._entries = dict(by_day)
        for day, sessions in by_day.items():
            live = [s for s in sessions if not s.cancelled]
            fmt = self.dateTextFormat(qdate(day))  # a holiday stays red and named
            fmt.setFontWeight(700)
            if live:
                fmt.setBackground(QBrush(MARK_BACKGROUND))
            fmt.setToolTip("\n".join([fmt.toolTip(), *(_line(s) for s in sessions)]).strip())
            self.setDateTextFormat(qdate(day), fmt)
        self.updateCells()

    def entries_on(self, day: date) -> list[CalendarEntry]:
        return list(self._entries.get(day, ()))

    def marked_days(self) -> list[date]:
        return sorted(self._entries)

    def paintCell(self, painter: QPainter, rect: QRect, day: QDate) -> None:
        super().paintCell(painter, rect, day)
        sessions = self._entries.get(day_of(day))
        if not sessions:
            return
        # One dot per session (up to three): a course's day and a busy day look different.
        live = any(not s.cancelled for s in sessions)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(MARK if live else CANCELLED_MARK)
        count = min(len(sessions), 3)
        radius = max(2, rect.height() // 14)
        step = radius * 3
        left = rect.center().x() - (count - 1) * step // 2
        y = rect.bottom() - radius * 2
        for n in range(count):
            painter.drawEllipse(QPoint(left + n * step, y), radius, radius)
        painter.restore()

    def cell_center(self, day: date) -> QPoint | None:
        """Where *day* is drawn in the day grid (its viewport's coordinates), if on show."""
        view = self.findChild(QTableView, "qt_calendar_calendarview")
        if view is None or (day.year, day.month) != self.shown_month():
            return None
        model = view.model()
        # Rows after the weekday header: the week holding the 1st comes first, unless the
        # 1st is the week's first day, when a week of the month before leads.
        first = date(day.year, day.month, 1)
        lead = (first.isoweekday() % 7) or 7  # Sunday-first columns
        cell = lead + day.day - 1
        index = model.index(1 + cell // 7, cell % 7)
        return view.visualRect(index).center()


def _line(entry: CalendarEntry) -> str:
    at = f"{entry.start_time:%H:%M} " if entry.start_time else ""
    return f"{at}{'【中止】' if entry.cancelled else ''}{entry.title}"
