"""Date and time boxes as every form uses them: Japanese display, Tab leaves the box; and
Python dates and times to Qt's and back, as the type checker can follow them (PySide6 takes a
`date` where a QDate is wanted and `QDate.toPython()` gives one back, but its stubs type
toPython() as `object`)."""

from __future__ import annotations

from datetime import date, time

from PySide6.QtCore import QDate, QLocale, QTime
from PySide6.QtWidgets import QDateEdit, QTimeEdit, QWidget

JAPANESE = QLocale(QLocale.Language.Japanese, QLocale.Country.Japan)
NO_TIME = QTime(0, 0)  # a time box's "未入力" (nobody meets at midnight)


def qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def day_of(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def qtime(moment: time) -> QTime:
    return QTime(moment.hour, moment.minute)


class DateEdit(QDateEdit):
    """A date box that Tab leaves (QDateEdit's own Tab walks year → month → day first).

    The parts are still reached with ← → or by typing: the box moves on by itself.
    """

    def focusNextPrevChild(self, forward: bool) -> bool:
        return QWidget.focusNextPrevChild(self, forward)


class TimeEdit(QTimeEdit):
    """A time box that Tab leaves, like DateEdit."""

    def focusNextPrevChild(self, forward: bool) -> bool:
        return QWidget.focusNextPrevChild(self, forward)


def date_edit(value: QDate | None = None) -> QDateEdit:
    """A date box showing 2026年11月25日（水）, with a calendar pop-up; *value* at first."""
    edit = DateEdit(value) if value is not None else DateEdit()
    edit.setLocale(JAPANESE)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy年M月d日（ddd）")
    edit.setMinimumDate(QDate(2000, 1, 1))
    edit.setMinimumWidth(190)
    return edit
