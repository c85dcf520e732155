"""The calendar every date box opens reads as a Japanese calendar: 2026年12月 (or 令和8年12月
by the app's date setting), 日月火水木金土, holidays red and named, Saturdays blue, and the
venue's 休館日 greyed; the event form warns of sessions on such days without refusing them."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, time

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDateEdit, QTableView

from kyodo_desk.domain.dates import DateStyle, use_date_style
from kyodo_desk.domain.events import EventKind
from kyodo_desk.domain.holidays import ClosedDays
from kyodo_desk.services import events as svc
from kyodo_desk.services import facilities as facility_svc
from kyodo_desk.services.contacts import ContactDraft, ContactKind
from kyodo_desk.services.events import CalendarEntry
from kyodo_desk.services.imports.contacts import _Shown
from kyodo_desk.services.imports.rows import field_label
from kyodo_desk.ui import drafted_form
from kyodo_desk.ui.date_inputs import (
    CLOSED_BACKGROUND,
    SATURDAY_BLUE,
    SUNDAY_RED,
    JapaneseCalendar,
    date_edit,
)
from kyodo_desk.ui.events.calendar_view import EventCalendar
from kyodo_desk.ui.events.form import EventForm
from kyodo_desk.ui.events.tab import EventsTab


@pytest.fixture(autouse=True)
def _no_date_setting() -> Iterator[None]:
    yield
    use_date_style(None)  # the next test starts, as a new database would, without it


@pytest.fixture(autouse=True)
def _answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The form's questions (restore a draft? discard on close?) answered without a box."""
    monkeypatch.setattr(drafted_form, "ask", lambda *args, **kwargs: "discard")


_EDITS: list[QDateEdit] = []  # a calendar lives as long as its box: kept for the test


@pytest.fixture(autouse=True)
def _boxes_of_the_test() -> Iterator[None]:
    yield
    _EDITS.clear()


def calendar_of(qtbot, day: date) -> JapaneseCalendar:  # type: ignore[no-untyped-def]
    edit = date_edit(QDate(day.year, day.month, day.day))
    qtbot.addWidget(edit)
    _EDITS.append(edit)
    calendar = edit.calendarWidget()
    assert isinstance(calendar, JapaneseCalendar)
    calendar.setCurrentPage(day.year, day.month)
    return calendar


def weekday_header(calendar: JapaneseCalendar) -> str:
    view = calendar.findChild(QTableView, "qt_calendar_calendarview")
    model = view.model()
    return "".join(model.index(0, c).data() for c in range(model.columnCount()))


def colour(calendar: JapaneseCalendar, day: date) -> QColor:
    return calendar.dateTextFormat(QDate(day.year, day.month, day.day)).foreground().color()


def tooltip(calendar: JapaneseCalendar, day: date) -> str:
    return calendar.dateTextFormat(QDate(day.year, day.month, day.day)).toolTip()


def test_the_calendar_reads_year_then_month_and_names_the_holidays(qtbot) -> None:  # type: ignore[no-untyped-def]
    calendar = calendar_of(qtbot, date(2026, 12, 1))
    assert calendar.header_text() == "2026年12月"
    assert weekday_header(calendar) == "日月火水木金土"
    assert calendar.weekdayTextFormat(Qt.DayOfWeek.Sunday).foreground().color() == SUNDAY_RED
    assert calendar.weekdayTextFormat(Qt.DayOfWeek.Saturday).foreground().color() == SATURDAY_BLUE

    calendar.showNextMonth()
    assert calendar.header_text() == "2027年1月"
    assert (tooltip(calendar, date(2027, 1, 11)), colour(calendar, date(2027, 1, 11))) == (
        "成人の日", SUNDAY_RED)
    assert tooltip(calendar, date(2027, 1, 12)) == ""  # an ordinary Tuesday

    calendar.setCurrentPage(2026, 5)
    assert tooltip(calendar, date(2026, 5, 6)) == "振替休日"
    assert tooltip(calendar, date(2026, 5, 7)) == ""


def test_the_header_follows_the_apps_date_setting(qtbot) -> None:  # type: ignore[no-untyped-def]
    use_date_style(DateStyle.ERA)
    calendar = calendar_of(qtbot, date(2026, 12, 1))
    assert calendar.header_text() == "令和8年12月"
    calendar.setCurrentPage(2019, 5)
    assert calendar.header_text() == "令和元年5月"
    calendar.setCurrentPage(2019, 4)
    assert calendar.header_text() == "平成31年4月"


def test_a_facilitys_closed_days_are_greyed_and_said(qtbot) -> None:  # type: ignore[no-untyped-def]
    calendar = calendar_of(qtbot, date(2026, 12, 1))
    assert tooltip(calendar, date(2026, 12, 29)) == ""
    calendar.set_closed_days(ClosedDays.of("", "年末年始、祝日"))
    closed = calendar.dateTextFormat(QDate(2026, 12, 29))
    assert closed.toolTip() == "休館日"
    assert closed.background().color() == CLOSED_BACKGROUND
    assert tooltip(calendar, date(2026, 12, 28)) == ""
    calendar.showNextMonth()  # the rules hold on every page
    assert tooltip(calendar, date(2027, 1, 11)) == "成人の日\n休館日"
    assert tooltip(calendar, date(2027, 1, 3)) == "休館日"
    calendar.set_closed_days(None)
    assert tooltip(calendar, date(2027, 1, 3)) == ""


def test_the_event_tabs_calendar_keeps_the_holidays_under_its_sessions(qtbot) -> None:  # type: ignore[no-untyped-def]
    calendar = EventCalendar()
    qtbot.addWidget(calendar)
    calendar.setCurrentPage(2027, 1)
    assert calendar.header_text() == "2027年1月"
    calendar.set_entries(2027, 1, [CalendarEntry(1, date(2027, 1, 11), time(10), "成人のつどい",
                                                 EventKind.SEMINAR, False)])
    assert tooltip(calendar, date(2027, 1, 11)) == "成人の日\n10:00 成人のつどい"
    assert colour(calendar, date(2027, 1, 11)) == SUNDAY_RED
    assert calendar.dateTextFormat(QDate(2027, 1, 11)).fontWeight() == 700
    calendar.set_entries(2027, 1, [])
    assert tooltip(calendar, date(2027, 1, 11)) == "成人の日"


def test_the_import_preview_writes_a_founding_month_by_the_setting() -> None:
    draft = ContactDraft(kind=ContactKind.GROUP, name="川反まちづくりの会",
                         founded_on=date(2020, 4, 1))
    shown = _Shown(draft)
    label = field_label("contacts", "founded_on")
    assert shown[label] == "2020年4月"
    use_date_style(DateStyle.ERA)
    assert shown[label] == "令和2年4月"


def open_new_form(qtbot, db, who) -> tuple[EventsTab, EventForm]:  # type: ignore[no-untyped-def]
    tab = EventsTab(db, who)
    qtbot.addWidget(tab)
    with qtbot.waitSignal(tab.list_shown):
        tab.show()
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(f.isVisible() for f in tab.findChildren(EventForm)))
    form = next(f for f in tab.findChildren(EventForm) if f.isVisible())
    qtbot.waitUntil(lambda: form.content.isEnabled())
    return tab, form


def test_sessions_on_the_venues_closed_day_or_a_holiday_are_warned_of_and_still_saved(
        qtbot, db, admin, accounts_by_login, facilities) -> None:  # type: ignore[no-untyped-def]
    salon = facility_svc.get_facility(db, admin, facilities["salon"])
    facility_svc.update_facility(db, admin, salon.id, salon.version, dataclasses.replace(
        salon.as_draft(), address=salon.address or "秋田市中通一丁目4番1号",
        closed_days="年末年始（12月29日〜1月3日）"))
    officer = accounts_by_login["officer"]
    _tab, form = open_new_form(qtbot, db, officer)  # the form lives as long as its tab
    form.title.setText("年末の片付けボランティア")
    form.venue.setCurrentIndex(form.venue.findData(salon.id))
    line = form.sessions.lines[0]
    line.held_on.setDate(QDate(2026, 12, 29))
    assert form.day_warnings.isVisible()
    assert form.day_warnings.text() == "※ 12月29日（火）は休館日です"
    calendar = line.held_on.calendarWidget()
    calendar.setCurrentPage(2026, 12)
    assert tooltip(calendar, date(2026, 12, 29)) == "休館日"

    second = form.sessions.add_line()
    second.held_on.setDate(QDate(2027, 1, 11))
    assert form.day_warnings.text() == ("※ 12月29日（火）は休館日です\n"
                                        "※ 1月11日（月）は成人の日です")
    new_calendar = second.held_on.calendarWidget()
    new_calendar.setCurrentPage(2027, 1)
    assert tooltip(new_calendar, date(2027, 1, 2)) == "休館日"  # a new line knows the venue

    form.venue.setCurrentIndex(form.venue.findData(facilities["east"]))
    assert form.day_warnings.text() == "※ 1月11日（月）は成人の日です"
    assert tooltip(calendar, date(2026, 12, 29)) == ""
    line.held_on.setDate(QDate(2026, 11, 24))
    second.held_on.setDate(QDate(2026, 12, 1))
    assert not form.day_warnings.isVisible()

    second.held_on.setDate(QDate(2027, 1, 11))
    with qtbot.waitSignal(form.save_finished) as blocker:
        qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert blocker.args == [True]  # a warning, never a refusal
    [saved] = svc.list_events(db, officer, query="年末の片付け")
    held = [s.held_on for s in svc.get_event(db, officer, saved.id).sessions]
    assert held == [date(2026, 11, 24), date(2027, 1, 11)]
