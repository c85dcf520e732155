"""Date and time boxes as every form uses them: Japanese display, Tab leaves the box; and
Python dates and times to Qt's and back, as the type checker can follow them (PySide6 takes a
`date` where a QDate is wanted and `QDate.toPython()` gives one back, but its stubs type
toPython() as `object`)."""

from __future__ import annotations

from datetime import date, time, timedelta

from PySide6.QtCore import QDate, QDateTime, QEvent, QLocale, Qt, QTime
from PySide6.QtGui import QBrush, QColor, QFocusEvent, QKeyEvent, QTextCharFormat, QValidator
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QBoxLayout,
    QCalendarWidget,
    QDateEdit,
    QSpinBox,
    QTimeEdit,
    QToolButton,
    QWidget,
)

from kyodo_desk.domain.dates import (
    FIRST_SUPPORTED,
    DateStyle,
    date_with_weekday,
    era_year_month,
    parse_date,
    screen_style,
)
from kyodo_desk.domain.holidays import CLOSED, ClosedDays, holidays_between

JAPANESE = QLocale(QLocale.Language.Japanese, QLocale.Country.Japan)
NO_TIME = QTime(0, 0)  # a time box's "未入力" (nobody meets at midnight)
SUNDAY_RED = QColor("#c01c28")  # Sundays and national holidays, as on a Japanese calendar
SATURDAY_BLUE = QColor("#1a5fb4")
CLOSED_TEXT = QColor("#8a8a8a")  # a facility's 休館日: greyed, still to be chosen
CLOSED_BACKGROUND = QColor("#e6e6e6")


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def day_of(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def qtime(moment: time) -> QTime:
    return QTime(moment.hour, moment.minute)


class JapaneseCalendar(QCalendarWidget):
    """The calendar a date box opens (カレンダー), as a Japanese wall calendar reads.

    The header reads 2026年12月 (令和8年12月 when the app writes 和暦: screen_style), the
    week runs 日月火水木金土, Sundays and national holidays are red with the holiday's name
    as the tooltip, Saturdays blue. Given a facility's 休館日 (`set_closed_days`), those days
    are greyed with 「休館日」 as the tooltip: still chosen with a click, since an event may
    be held there on purpose, but not by mistake.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._closed: ClosedDays | None = None
        self._year_button = self.findChild(QToolButton, "qt_calendar_yearbutton")
        self._month_button = self.findChild(QToolButton, "qt_calendar_monthbutton")
        self.setLocale(JAPANESE)
        self.setFirstDayOfWeek(Qt.DayOfWeek.Sunday)
        self.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        # The highlight stays in the column it had under the default Monday-first week (one
        # day early) until the selection moves: move it away and back.
        chosen = self.selectedDate()
        self.setSelectedDate(chosen.addDays(1))
        self.setSelectedDate(chosen)
        for day, colour in ((Qt.DayOfWeek.Sunday, SUNDAY_RED),
                            (Qt.DayOfWeek.Saturday, SATURDAY_BLUE)):
            weekday_format = QTextCharFormat()
            weekday_format.setForeground(QBrush(colour))
            self.setWeekdayTextFormat(day, weekday_format)
        self._put_year_first()
        self.currentPageChanged.connect(self._page_shown)
        year_edit = self.findChild(QSpinBox, "qt_calendar_yearedit")
        if year_edit is not None:  # a year typed over the button: the button writes it back
            year_edit.editingFinished.connect(self._write_header)
        self._page_shown(self.yearShown(), self.monthShown())

    def set_closed_days(self, closed: ClosedDays | None) -> None:
        """The 休館日 to grey (the venue's); None or no rules: none."""
        closed = closed if closed else None
        if closed != self._closed:  # the form asks at every keystroke in a session line
            self._closed = closed
            self.mark_days()

    def header_text(self) -> str:
        """What the header reads: 「2026年12月」 or 「令和8年12月」."""
        if self._year_button is None or self._month_button is None:
            return ""
        return self._year_button.text() + self._month_button.text()

    def _put_year_first(self) -> None:
        """Qt lays out 「12月 2026」, the English order: year before month, side by side."""
        bar = self.findChild(QWidget, "qt_calendar_navigationbar")
        layout = bar.layout() if bar is not None else None
        if not isinstance(layout, QBoxLayout) or self._year_button is None or self._month_button is None:
            return
        month_at = layout.indexOf(self._month_button)
        between = layout.itemAt(month_at + 1)
        if between is not None and between.spacerItem() is not None:
            layout.takeAt(month_at + 1)
        layout.removeWidget(self._month_button)
        layout.insertWidget(layout.indexOf(self._year_button) + 1, self._month_button)

    def _write_header(self) -> None:
        if self._year_button is None or self._month_button is None:
            return
        year, month = self.yearShown(), self.monthShown()
        first = date(year, month, 1)
        if screen_style() is DateStyle.ERA and first >= FIRST_SUPPORTED:
            # A month an era begins in is named as its 1st is: 平成31年4月, 令和元年6月.
            self._year_button.setText(era_year_month(first).removesuffix(f"{month}月"))
        else:
            self._year_button.setText(f"{year}年")
        self._month_button.setText(f"{month}月")
        self._year_button.adjustSize()

    def _page_shown(self, year: int, month: int) -> None:
        self._write_header()
        self.mark_days()

    def mark_days(self) -> None:
        """Every day's format cleared, then the holidays and 休館日 of the page marked (a
        subclass adding marks of its own calls it first, then merges into dateTextFormat)."""
        year, month = self.yearShown(), self.monthShown()
        # The page shows up to six weeks: the month's and a few days either side.
        first = date(year, month, 1) - timedelta(days=7)
        last = date(year, month, 28) + timedelta(days=14)
        self.setDateTextFormat(QDate(), QTextCharFormat())  # clears every day's format
        holidays = holidays_between(first, last)
        day = first
        while day <= last:
            name = holidays.get(day)
            closed = self._closed is not None and self._closed.closes_on(day)
            if name is not None or closed:
                self.setDateTextFormat(QDate(day.year, day.month, day.day),
                                       _day_format(name, closed))
            day += timedelta(days=1)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LocaleChange:  # Qt wrote its own header back
            self._write_header()


def _day_format(holiday: str | None, closed: bool) -> QTextCharFormat:
    """A holiday red, named in its tooltip; a 休館日 greyed, 「休館日」 in its tooltip."""
    fmt = QTextCharFormat()
    tips = [holiday] if holiday else []
    if closed:
        fmt.setBackground(QBrush(CLOSED_BACKGROUND))
        tips.append(CLOSED)
    fmt.setForeground(QBrush(SUNDAY_RED if holiday else CLOSED_TEXT))
    fmt.setToolTip("\n".join(tips))
    return fmt


class DateEdit(QDateEdit):
    """A date box that Tab leaves (QDateEdit's own Tab walks year → month → day first).

    The parts are still reached with ← → or by typing: the box moves on by itself.
    """

    def focusNextPrevChild(self, forward: bool) -> bool:
        return QWidget.focusNextPrevChild(self, forward)

    def japanese_calendar(self) -> JapaneseCalendar | None:
        """The calendar it opens, if date_edit gave it one."""
        calendar = self.calendarWidget()
        return calendar if isinstance(calendar, JapaneseCalendar) else None


class TimeEdit(QTimeEdit):
    """A time box that Tab leaves, like DateEdit."""

    def focusNextPrevChild(self, forward: bool) -> bool:
        return QWidget.focusNextPrevChild(self, forward)


class DateBox(DateEdit):
    """The app's one date box (日付欄): it writes its day as every screen does, by the
    app-wide setting — 2026年11月24日（火） or 令和8年11月24日（火） (domain.dates) — and
    understands a day typed in either style (2026/11/24, R8.11.24, 令和8年11月24日:
    domain.dates.parse_date).

    Qt's display formats cannot write an era year, so the box writes and reads its text
    itself; the text is typed as a whole rather than part by part (year → month → day),
    since an era text has no fixed parts. ↑ ↓ and the wheel move a day. Text that is not a
    day when the box is left goes back to the day it had.
    """

    def __init__(self, value: QDate | None = None) -> None:
        super().__init__(value) if value is not None else super().__init__()
        # Qt follows the cursor from part to part of the display format and writes the text
        # back when a part does not parse — which an era text never does: typing 「2」 over
        # the text would put the old text back. The box has no parts: it is not followed.
        self.lineEdit().cursorPositionChanged.disconnect()
        self._day_before_typing = self.date()
        # Qt wrote the text while the box was being made, before the setting could; its
        # parts (year, month, day) are still what the calendar pop-up needs.
        self.setDisplayFormat("yyyy年M月d日（ddd）")

    def textFromDateTime(self, value: QDateTime) -> str:
        return date_with_weekday(day_of(value.date()), screen_style())

    def dateTimeFromText(self, text: str) -> QDateTime:
        typed = parse_date(text)
        return QDateTime(qdate(typed) if typed is not None else self.date(), self.time())

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        typed = parse_date(text)
        if typed is None or not self.minimumDate() <= qdate(typed) <= self.maximumDate():
            return QValidator.State.Intermediate, text, pos  # typing on may make it a day
        return QValidator.State.Acceptable, text, pos

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp,
                           Qt.Key.Key_PageDown, Qt.Key.Key_Return, Qt.Key.Key_Enter,
                           Qt.Key.Key_Tab, Qt.Key.Key_Backtab, Qt.Key.Key_F4):
            super().keyPressEvent(event)  # steps, the calendar (F4, Alt+↓), leaving the box
            return
        # Typed text goes to the line as it is: Qt's own part-by-part typing would read it
        # by the display format, which an era text does not follow.
        QAbstractSpinBox.keyPressEvent(self, event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self._day_before_typing = self.date()
        QAbstractSpinBox.focusInEvent(self, event)  # the whole text chosen, to type over

    def focusOutEvent(self, event: QFocusEvent) -> None:
        if self.validate(self.text(), 0)[0] is not QValidator.State.Acceptable:
            # Not a day (2026/2/30): back to the day before the typing, not to 2026/2/3,
            # which the box held for a keystroke on the way.
            self.setDate(self._day_before_typing)
        super().focusOutEvent(event)

    def stepBy(self, steps: int) -> None:
        self.setDate(self.date().addDays(steps))
        self.selectAll()

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        enabled = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.isReadOnly():
            return enabled
        if self.date() < self.maximumDate():
            enabled |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.date() > self.minimumDate():
            enabled |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return enabled


def date_edit(value: QDate | None = None) -> QDateEdit:
    """The date box (DateBox) showing 2026年11月25日（水） or 令和8年11月25日（水） by the
    setting, with a Japanese calendar pop-up (JapaneseCalendar); *value* at first."""
    edit = DateBox(value)
    edit.setLocale(JAPANESE)
    edit.setCalendarPopup(True)
    edit.setCalendarWidget(JapaneseCalendar(edit))
    edit.setMinimumDate(QDate(2000, 1, 1))
    edit.setMinimumWidth(190)
    return edit
